"""The disclosure block: AAPOR Code (2021) disclosure elements, in English and Spanish.

Elements, in :data:`ELEMENTS` order: sponsor, conducted by, question wording and options,
population, how the sample came about, mode, fieldwork dates, sample sizes per country,
weighting (variables, targets, sources and years, what was collapsed or dropped), precision and
why, data processing and quality control, limitations.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import wording
from reports.inputs import PollMeta
from reports.statistics import COUNTRY_LABELS, INTERVAL_LABEL, BaseFigures, Breakdown
from reports.weighting import MIN_LEVEL_RESPONDENTS, CountryWeighting
from sampling.intervals import credibility_interval
from sampling.taxonomy import SPECIALTIES

ELEMENTS = (
    "sponsor",
    "conducted_by",
    "question",
    "population",
    "sample",
    "mode",
    "fieldwork",
    "sample_sizes",
    "weighting",
    "precision",
    "processing",
    "limitations",
)
TITLES = {
    "en": {
        "sponsor": "Sponsor",
        "conducted_by": "Conducted by",
        "question": "Question and response options",
        "population": "Population",
        "sample": "Sample",
        "mode": "Mode",
        "fieldwork": "Fieldwork dates",
        "sample_sizes": "Sample sizes",
        "weighting": "Weighting",
        "precision": "Precision",
        "processing": "Data processing and quality control",
        "limitations": "Limitations",
    },
    "es": {
        "sponsor": "Patrocinador",
        "conducted_by": "Realizado por",
        "question": "Pregunta y opciones de respuesta",
        "population": "Población",
        "sample": "Muestra",
        "mode": "Modo",
        "fieldwork": "Fechas del trabajo de campo",
        "sample_sizes": "Tamaños de muestra",
        "weighting": "Ponderación",
        "precision": "Precisión",
        "processing": "Procesamiento y control de calidad",
        "limitations": "Limitaciones",
    },
}
_CODING_ES = {
    "frame levels": "niveles de la fuente",
    "specialty groups": "grupos de especialidad",
    "general practice vs specialists": "medicina general frente a especialistas",
    "under/over 55": "menores y mayores de 55 años",
}
_VARIABLE = {
    "en": {"specialty": "specialty", "sex": "sex", "age_band": "age"},
    "es": {"specialty": "especialidad", "sex": "sexo", "age_band": "edad"},
}


@dataclass(frozen=True)
class DisclosureItem:
    """One disclosure element in one locale."""

    key: str
    locale: str
    title: str
    text: str


def _countries(meta: PollMeta, locale: str) -> str:
    return wording._join([COUNTRY_LABELS[c][locale] for c in meta.countries], locale)


def _weighting_text(weighting: tuple[CountryWeighting, ...], shown: dict[str, bool], locale: str) -> str:
    en = locale == "en"
    parts = []
    for c in weighting:
        name = COUNTRY_LABELS[c.country][locale]
        used = []
        for u in c.margins:
            var = _VARIABLE[locale][u.variable]
            if u.used:
                coding = u.coding if en else _CODING_ES[u.coding]
                levels = ", ".join(f"{lvl} {wording.percent(s, locale)}" for lvl, s in u.levels.items())
                used.append(f"{var} ({coding}: {levels}; {u.source}, {u.year})")
            else:
                used.append(f"{var}: {'not used' if en else 'no utilizada'} ({u.source}, {u.year})")
            if u.notes and en:
                used[-1] += " — " + "; ".join(u.notes)
            elif u.coding != "frame levels" and not en:
                used[-1] += f" — niveles con menos de {MIN_LEVEL_RESPONDENTS} encuestados agrupados"
        missing = ", ".join(_VARIABLE[locale].get(m, m) for m in c.missing if m in _VARIABLE[locale])
        text = f"{name}: " + ("; ".join(used) if used else ("no margins" if en else "sin márgenes"))
        if missing:
            text += f"; no published margin for {missing}" if en else f"; sin margen publicado de {missing}"
        if c.notes:
            text += (
                "; too few respondents to weight: equal weights"
                if en
                else "; demasiado pocos encuestados para ponderar: pesos iguales"
            )
        share = wording.percent(c.population_share, locale)
        text += (
            f"; {share} of the pooled physician population"
            if en
            else f"; {share} de la población médica combinada"
        )
        if shown.get(c.country, False):
            text += (
                f"; design effect {wording.decimal(c.design_effect, locale, 2)}"
                if en
                else f"; efecto de diseño {wording.decimal(c.design_effect, locale, 2)}"
            )
        parts.append(text + ".")
    lead = (
        "Each country's respondents were raked (iterative proportional fitting) to that country's published "
        f"physician margins; levels with fewer than {MIN_LEVEL_RESPONDENTS} respondents were collapsed, and a "
        "margin still too sparse was not used. Countries were then combined in proportion to their physician "
        "populations. "
        if en
        else "Los encuestados de cada país se ajustaron por raking (ajuste proporcional iterativo) a los márgenes "
        f"publicados de médicos de ese país; los niveles con menos de {MIN_LEVEL_RESPONDENTS} encuestados se "
        "agruparon y un margen aún demasiado escaso no se usó. Después los países se combinaron en proporción "
        "a su población de médicos. "
    )
    return lead + " ".join(parts)


def disclosure(
    meta: PollMeta,
    topline: BaseFigures,
    countries: Breakdown,
    weighting: tuple[CountryWeighting, ...],
    *,
    locales: tuple[str, ...] = wording.LOCALES,
) -> tuple[DisclosureItem, ...]:
    """The AAPOR disclosure elements of a poll report, per locale.

    Args:
        meta: the poll.
        topline: the whole poll's figures (its n and design effect; withheld numbers stay out).
        countries: the country breakdown (withheld countries' n and design effect stay out).
        weighting: each country's weighting.
        locales: locales to write.

    Returns:
        One :class:`DisclosureItem` per element of :data:`ELEMENTS` and locale.

    Example:
        >>> [d.key for d in disclosure(meta, top, by_country, w.countries, locales=("en",))][:2]  # doctest: +SKIP
        ['sponsor', 'conducted_by']

    Reference: AAPOR Code of Professional Ethics and Practices (2021), Section III.A disclosure
    elements; AAPOR statement on margins of error for opt-in samples.
    """
    shown = {row.key: not row.withheld for row in countries.rows}
    out = []
    for locale in locales:
        en = locale == "en"
        texts: dict[str, str] = {"sponsor": meta.sponsor, "conducted_by": meta.conducted_by}
        options = "; ".join(
            f"“{meta.option_text(k, locale)}”" if en else f"«{meta.option_text(k, locale)}»"
            for k in meta.option_keys
        )
        q = meta.question_text(locale)
        texts["question"] = (
            f"“{q}” Options, in this order: {options}. "
            + ("Several options could be chosen. " if meta.multiple else "One option could be chosen. ")
            + "Asked as a stand-alone poll; no other question preceded it."
            if en
            else f"«{q}» Opciones, en este orden: {options}. "
            + ("Se podían elegir varias opciones. " if meta.multiple else "Se podía elegir una opción. ")
            + "Encuesta independiente; ninguna otra pregunta la precedía."
        )
        specialties = (
            ("all specialties" if en else "todas las especialidades")
            if meta.specialties is None
            else ", ".join(SPECIALTIES[s].name(locale) for s in meta.specialties)
        )
        texts["population"] = (
            f"Licensed physicians in {_countries(meta, locale)} ({specialties})."
            if en
            else f"Médicos colegiados o con licencia de {_countries(meta, locale)} ({specialties})."
        )
        texts["sample"] = (
            "A self-selected poll of Pulse members, physicians whose licence Pulse verified. Members chose whether "
            "to answer; it is not a random (probability) sample of physicians, so sampling error cannot be "
            "calculated in the usual way."
            if en
            else "Encuesta autoseleccionada entre miembros de Pulse, médicos cuya licencia verificó Pulse. Cada miembro "
            "decidió si responder; no es una muestra aleatoria (probabilística) de médicos, por lo que el error de "
            "muestreo no puede calcularse del modo habitual."
        )
        texts["mode"] = (
            "Online, self-administered, on the web and in the app."
            if en
            else "En línea, autoadministrada, en la web y en la aplicación."
        )
        texts["fieldwork"] = (
            f"{wording.date(meta.opens_at, locale)} – {wording.date(meta.closes_at, locale)} (UTC)."
        )
        sizes = []
        for row in countries.rows:
            name = COUNTRY_LABELS[row.key][locale]
            value = (
                wording.integer(row.n, locale)
                if not row.withheld
                else ("withheld (small cell)" if en else "no publicado (celda pequeña)")
            )
            sizes.append(f"{name} {value}")
        total = (
            wording.integer(topline.n, locale)
            if not topline.withheld
            else ("withheld" if en else "no publicado")
        )
        texts["sample_sizes"] = (f"{total} respondents in all" if en else f"{total} encuestados en total") + (
            ": " + "; ".join(sizes) + "." if sizes else "."
        )
        texts["weighting"] = _weighting_text(weighting, shown, locale)
        if topline.withheld:
            texts["precision"] = (
                "Not published: fewer than 10 respondents."
                if en
                else "No se publica: menos de 10 encuestados."
            )
        else:
            moe, cred = (
                wording.points(topline.moe, locale),
                wording.points(credibility_interval(topline.n).value, locale),
            )
            deff = wording.decimal(topline.design_effect, locale, 2)
            texts["precision"] = (
                f"Margin of error ±{moe} percentage points at 95% for a 50% result on all respondents, including the "
                f"design effect of weighting ({deff}, Kish): 1.96·√(deff·p(1−p)/n), as Pew Research Center publishes "
                "it. Because the sample is self-selected, AAPOR considers a margin of sampling error misleading: read "
                "it as a guide to the precision of the weighted figures, assuming the weighting removes the "
                f"self-selection bias. A Bayesian credibility interval in Ipsos's style (design effect 1.3) is ±{cred} "
                f"points. Intervals in the tables: {INTERVAL_LABEL}."
                if en
                else f"Margen de error de ±{moe} puntos porcentuales al 95 % para un resultado del 50 % en el total, "
                f"incluido el efecto de diseño de la ponderación ({deff}, Kish): 1,96·√(deff·p(1−p)/n), como lo "
                "publica Pew Research Center. Al ser una muestra autoseleccionada, AAPOR considera engañoso un margen "
                "de error de muestreo: debe leerse como una guía de la precisión de las cifras ponderadas, suponiendo "
                "que la ponderación elimina el sesgo de autoselección. Un intervalo de credibilidad bayesiano al "
                f"estilo de Ipsos (efecto de diseño 1,3) es de ±{cred} puntos. Intervalos de las tablas: intervalo "
                "logit al 95 % sobre el error estándar linealizado tras el raking (R survey, svyciprop)."
            )
        texts["processing"] = (
            "One vote per verified member, enforced by the database; votes carry the member's country, specialty, "
            "sex and age band at the time of voting and no identity. No imputation. Figures for fewer than 10 "
            "respondents, and figures from which such a figure could be worked out, are not published."
            if en
            else "Un voto por miembro verificado, garantizado por la base de datos; cada voto lleva el país, la "
            "especialidad, el sexo y el grupo de edad del miembro al votar, sin identidad. Sin imputación. No se "
            "publican cifras de menos de 10 encuestados ni cifras que permitan deducirlas."
        )
        limits = (
            "Self-selection: members who answer may differ from other physicians in ways the weighting does "
            "not capture. Weighting uses only the margins each country publishes, from sources of different "
            "years and definitions; years in practice is not weighted (no source publishes it)."
            if en
            else "Autoselección: quienes responden pueden diferir de otros médicos en aspectos que la ponderación no "
            "recoge. La ponderación usa solo los márgenes que publica cada país, de fuentes de distintos años y "
            "definiciones; los años de ejercicio no se ponderan (ninguna fuente los publica)."
        )
        if meta.specialties is not None:
            limits += (
                " Sex and age targets describe all physicians, not only the targeted specialties."
                if en
                else " Los objetivos de sexo y edad describen a todos los médicos, no solo a las especialidades "
                "consultadas."
            )
        texts["limitations"] = limits
        out.extend(DisclosureItem(k, locale, TITLES[locale][k], texts[k]) for k in ELEMENTS)
    return tuple(out)
