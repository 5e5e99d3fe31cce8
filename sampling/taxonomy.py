"""Pulse's canonical specialty taxonomy.

The 48 specialties of the AAMC 2022 Physician Specialty Data Report (the richest published
frame, see ``population/SOURCES.md``) are the canonical list. Every other source's categories
map onto these codes, or onto one of the coarse :data:`GROUPS` when a source publishes only
coarse groups (for example GP versus specialist).

Example:
    >>> SPECIALTIES["cardiology"].name_es
    'Cardiología'
    >>> group_of("pediatric_cardiology")
    'paediatrics'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Specialty:
    """One canonical specialty: a stable code, its names and its coarse group."""

    code: str
    name_en: str
    name_es: str
    group: str
    us_category: str

    def name(self, locale: str) -> str:
        """The specialty's name in ``locale`` ('es…' gives Spanish, anything else English)."""
        return self.name_es if locale.startswith("es") else self.name_en


#: Coarse groups, used when a source only distinguishes general practice from specialists and
#: for the "specialty group" breakdowns of reports. Each value is (English, Spanish).
GROUPS: dict[str, tuple[str, str]] = {
    "general_practice": ("General practice / family medicine", "Medicina general / familiar"),
    "medical": ("Medical specialties", "Especialidades médicas"),
    "surgical": ("Surgical specialties", "Especialidades quirúrgicas"),
    "paediatrics": ("Paediatrics", "Pediatría"),
    "mental_health": ("Psychiatry", "Psiquiatría"),
    "diagnostic": ("Radiology and pathology", "Radiología y patología"),
    "acute_care": ("Emergency, critical care and anaesthesia", "Urgencias, cuidados intensivos y anestesia"),
    "womens_health": ("Obstetrics and gynaecology", "Obstetricia y ginecología"),
}

_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    # code, English, Spanish, group, AAMC category (us.csv)
    ("internal_medicine", "Internal medicine", "Medicina interna", "medical", "Internal medicine"),
    (
        "family_medicine",
        "Family medicine / general practice",
        "Medicina familiar / general",
        "general_practice",
        "Family medicine/general practice",
    ),
    ("pediatrics", "Pediatrics", "Pediatría", "paediatrics", "Pediatrics"),
    ("emergency_medicine", "Emergency medicine", "Medicina de urgencias", "acute_care", "Emergency medicine"),
    (
        "obstetrics_gynecology",
        "Obstetrics and gynecology",
        "Obstetricia y ginecología",
        "womens_health",
        "Obstetrics and gynecology",
    ),
    ("anesthesiology", "Anesthesiology", "Anestesiología", "acute_care", "Anesthesiology"),
    ("psychiatry", "Psychiatry", "Psiquiatría", "mental_health", "Psychiatry"),
    (
        "radiology",
        "Radiology and diagnostic radiology",
        "Radiodiagnóstico",
        "diagnostic",
        "Radiology and diagnostic radiology",
    ),
    ("general_surgery", "General surgery", "Cirugía general", "surgical", "General surgery"),
    ("cardiology", "Cardiology", "Cardiología", "medical", "Cardiovascular disease"),
    ("ophthalmology", "Ophthalmology", "Oftalmología", "surgical", "Ophthalmology"),
    (
        "orthopedic_surgery",
        "Orthopedic surgery",
        "Cirugía ortopédica y traumatología",
        "surgical",
        "Orthopedic surgery",
    ),
    (
        "hematology_oncology",
        "Hematology and oncology",
        "Hematología y oncología",
        "medical",
        "Hematology and oncology",
    ),
    ("gastroenterology", "Gastroenterology", "Gastroenterología", "medical", "Gastroenterology"),
    ("critical_care", "Critical care medicine", "Medicina intensiva", "acute_care", "Critical care medicine"),
    ("neurology", "Neurology", "Neurología", "medical", "Neurology"),
    ("dermatology", "Dermatology", "Dermatología", "medical", "Dermatology"),
    (
        "pathology",
        "Anatomic / clinical pathology",
        "Anatomía patológica / análisis clínicos",
        "diagnostic",
        "Anatomic/clinical pathology",
    ),
    ("nephrology", "Nephrology", "Nefrología", "medical", "Nephrology"),
    ("urology", "Urology", "Urología", "surgical", "Urology"),
    (
        "child_psychiatry",
        "Child and adolescent psychiatry",
        "Psiquiatría infantil y de la adolescencia",
        "mental_health",
        "Child and adolescent psychiatry",
    ),
    ("infectious_disease", "Infectious disease", "Enfermedades infecciosas", "medical", "Infectious disease"),
    (
        "rehabilitation",
        "Physical medicine and rehabilitation",
        "Medicina física y rehabilitación",
        "medical",
        "Physical medicine and rehabilitation",
    ),
    ("otolaryngology", "Otolaryngology", "Otorrinolaringología", "surgical", "Otolaryngology"),
    (
        "endocrinology",
        "Endocrinology, diabetes and metabolism",
        "Endocrinología y nutrición",
        "medical",
        "Endocrinology, diabetes, and metabolism",
    ),
    ("plastic_surgery", "Plastic surgery", "Cirugía plástica", "surgical", "Plastic surgery"),
    (
        "preventive_medicine",
        "Preventive medicine",
        "Medicina preventiva y salud pública",
        "medical",
        "Preventive medicine",
    ),
    ("rheumatology", "Rheumatology", "Reumatología", "medical", "Rheumatology"),
    (
        "pain_medicine",
        "Pain medicine",
        "Medicina del dolor",
        "acute_care",
        "Pain medicine and pain management",
    ),
    ("geriatrics", "Geriatric medicine", "Geriatría", "medical", "Geriatric medicine"),
    (
        "neonatology",
        "Neonatal-perinatal medicine",
        "Neonatología",
        "paediatrics",
        "Neonatal-perinatal medicine",
    ),
    ("neurosurgery", "Neurological surgery", "Neurocirugía", "surgical", "Neurological surgery"),
    (
        "internal_medicine_pediatrics",
        "Internal medicine / pediatrics",
        "Medicina interna y pediatría",
        "general_practice",
        "Internal medicine/pediatrics",
    ),
    ("radiation_oncology", "Radiation oncology", "Oncología radioterápica", "medical", "Radiation oncology"),
    (
        "allergy_immunology",
        "Allergy and immunology",
        "Alergología e inmunología",
        "medical",
        "Allergy and immunology",
    ),
    ("pulmonology", "Pulmonary disease", "Neumología", "medical", "Pulmonary disease"),
    (
        "interventional_cardiology",
        "Interventional cardiology",
        "Cardiología intervencionista",
        "medical",
        "Interventional cardiology",
    ),
    ("thoracic_surgery", "Thoracic surgery", "Cirugía torácica", "surgical", "Thoracic surgery"),
    ("neuroradiology", "Neuroradiology", "Neurorradiología", "diagnostic", "Neuroradiology"),
    ("vascular_surgery", "Vascular surgery", "Cirugía vascular", "surgical", "Vascular surgery"),
    (
        "interventional_radiology",
        "Vascular and interventional radiology",
        "Radiología vascular e intervencionista",
        "diagnostic",
        "Vascular and interventional radiology",
    ),
    ("sports_medicine", "Sports medicine", "Medicina deportiva", "medical", "Sports medicine"),
    (
        "pediatric_hematology_oncology",
        "Pediatric hematology / oncology",
        "Oncohematología pediátrica",
        "paediatrics",
        "Pediatric hematology/oncology",
    ),
    (
        "orthopedic_sports_medicine",
        "Sports medicine (orthopedic surgery)",
        "Medicina deportiva (cirugía ortopédica)",
        "surgical",
        "Sports medicine (orthopedic surgery)",
    ),
    (
        "pediatric_cardiology",
        "Pediatric cardiology",
        "Cardiología pediátrica",
        "paediatrics",
        "Pediatric cardiology",
    ),
    (
        "pediatric_anesthesiology",
        "Pediatric anesthesiology",
        "Anestesiología pediátrica",
        "acute_care",
        "Pediatric anesthesiology",
    ),
    (
        "pediatric_critical_care",
        "Pediatric critical care medicine",
        "Cuidados intensivos pediátricos",
        "paediatrics",
        "Pediatric critical care medicine",
    ),
    (
        "cardiac_electrophysiology",
        "Clinical cardiac electrophysiology",
        "Electrofisiología cardíaca",
        "medical",
        "Clinical cardiac electrophysiology",
    ),
)

#: Every canonical specialty by code, in the AAMC report's order (largest US specialty first).
SPECIALTIES: dict[str, Specialty] = {row[0]: Specialty(*row) for row in _ROWS}


def group_of(code: str) -> str:
    """The coarse group of a canonical specialty code.

    Raises:
        KeyError: if ``code`` is not a canonical specialty, with the list of valid codes' size.
    """
    try:
        return SPECIALTIES[code].group
    except KeyError:
        raise KeyError(
            f"unknown specialty code {code!r}: use one of the {len(SPECIALTIES)} codes in sampling.taxonomy.SPECIALTIES"
        ) from None


def is_general_practice(code: str) -> bool:
    """Whether a specialty counts as general practice when a source splits only GP vs specialist."""
    return group_of(code) == "general_practice"
