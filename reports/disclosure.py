"""The disclosure block: AAPOR Code (2021) disclosure elements, in English and Spanish.

Elements, in :data:`ELEMENTS` order: sponsor, conducted by, question wording and options,
population, how the sample came about, mode, fieldwork dates, sample sizes per country,
weighting (variables, targets, sources and years, what was collapsed or dropped), precision and
why, data processing and quality control, limitations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reports import numbers, wording
from reports.inputs import PollMeta, Release
from reports.statistics import BaseFigures, Breakdown, country_label
from reports.suppression import FLAG_BASE, MIN_CELL, MIN_POOL_BASE, SMALL_BASE
from reports.weighting import MIN_LEVEL_RESPONDENTS, CountryWeighting
from sampling import population
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
    return wording._join([country_label(c)[locale] for c in meta.countries], locale)


def _names(codes: tuple[str, ...] | list[str], locale: str) -> str:
    return wording._join([country_label(c)[locale] for c in codes], locale)


@lru_cache(maxsize=256)
def _source_name(country: str, variable: str, source: str, year: str) -> str:
    """A source as a reader cites it: "AAMC 2022 Physician Specialty Data Report (data of 2021)"."""
    try:
        margin = population.targets(country, (variable,)).margins.get(variable)
    except (KeyError, ValueError):
        margin = None
    definition = (margin.definition if margin is not None and margin.source == source else "") or source
    return f"{definition.split(':')[0].strip()} ({year})"


_CODING = {
    "en": {
        "frame levels": "as the source publishes it",
        "specialty groups": "grouped into specialty groups",
        "general practice vs specialists": "general practice against other specialties",
        "under/over 55": "under and over 55",
    },
    "es": {
        "frame levels": "tal como la publica la fuente",
        "specialty groups": "agrupada en grupos de especialidad",
        "general practice vs specialists": "medicina general frente a las demás especialidades",
        "under/over 55": "menores y mayores de 55 años",
    },
}


def _weighting_text(
    weighting: tuple[CountryWeighting, ...], shown: dict[str, bool], pool: tuple[str, ...], locale: str
) -> str:
    en = locale == "en"
    parts = []
    pooled_total = sum(c.population for c in weighting if c.country in pool) or 1.0
    for c in weighting:
        name = country_label(c.country)[locale]
        used = [u for u in c.margins if u.used]
        unused = [u for u in c.margins if not u.used]
        if used:
            items = [
                f"{_VARIABLE[locale][u.variable]} ({_CODING[locale][u.coding]}; "
                f"{_source_name(c.country, u.variable, u.source, u.year)})"
                for u in used
            ]
            text = (f"{name}: weighted to " if en else f"{name}: ponderado por ") + wording._join(
                items, locale
            )
        else:
            text = (
                f"{name}: too few respondents to weight, equal weights"
                if en
                else f"{name}: demasiado pocos encuestados para ponderar, pesos iguales"
            )
        if unused:
            names = wording._join([_VARIABLE[locale][u.variable] for u in unused], locale)
            text += (
                f"; {names} not used (too few respondents in some groups)"
                if en
                else f"; sin usar: {names} (demasiado pocos encuestados en algunos grupos)"
            )
        missing = [_VARIABLE[locale][m] for m in c.missing if m in _VARIABLE[locale]]
        if missing:
            joined = wording._join(missing, locale)
            text += f"; no published figures for {joined}" if en else f"; sin cifras publicadas de {joined}"
        if c.country in pool:
            share = numbers.percent(c.population / pooled_total, locale)
            text += (
                f"; {share} of the physicians the pooled figures describe"
                if en
                else f"; {share} de los médicos que describen las cifras combinadas"
            )
            if shown.get(c.country, False):
                deff = numbers.decimal(c.design_effect, locale, 2)
                text += f"; design effect {deff}" if en else f"; efecto de diseño {deff}"
        parts.append(text + ".")
    lead = (
        "Each country's respondents were weighted (raking) to that country's published figures on physicians; "
        f"groups with fewer than {MIN_LEVEL_RESPONDENTS} respondents were merged, and a variable still too sparse "
        "was not used. Countries with at least "
        f"{MIN_POOL_BASE} respondents were then combined in proportion to their numbers of physicians. "
        if en
        else "Los encuestados de cada país se ponderaron (raking) a las cifras publicadas de médicos de ese país; "
        f"los grupos con menos de {MIN_LEVEL_RESPONDENTS} encuestados se fusionaron y una variable aún demasiado "
        f"escasa no se usó. Después, los países con al menos {MIN_POOL_BASE} encuestados se combinaron en "
        "proporción a su número de médicos. "
    )
    return lead + " ".join(parts)


def disclosure(
    meta: PollMeta,
    topline: BaseFigures,
    countries: Breakdown,
    weighting: tuple[CountryWeighting, ...],
    pool: tuple[str, ...] | None = None,
    *,
    locales: tuple[str, ...] = wording.LOCALES,
    release: Release | None = None,
) -> tuple[DisclosureItem, ...]:
    """The AAPOR disclosure elements of a poll report, per locale, in readable sentences.

    Args:
        meta: the poll.
        topline: the pooled figures (its n and design effect; withheld numbers stay out).
        countries: the country breakdown (withheld countries' n and design effect stay out).
        weighting: each country's weighting.
        pool: countries in the pooled figures (default: every country with a published row).
        locales: locales to write.
        release: the publication (for the citation element).

    Returns:
        One :class:`DisclosureItem` per element of :data:`ELEMENTS` and locale.

    Example:
        >>> [d.key for d in disclosure(meta, top, by_country, w.countries, locales=("en",))][:2]  # doctest: +SKIP
        ['sponsor', 'conducted_by']

    Reference: AAPOR Code of Professional Ethics and Practices (2021), Section III.A disclosure
    elements; AAPOR statement on margins of error for opt-in samples.
    """
    shown = {row.key: not row.withheld for row in countries.rows}
    if pool is None:
        pool = tuple(row.key for row in countries.rows if row.pooled and not row.withheld)
    left_out = [row.key for row in countries.rows if row.key not in pool]
    out: list[DisclosureItem] = []
    for locale in locales:
        en = locale == "en"
        texts: dict[str, str] = {"sponsor": meta.sponsor, "conducted_by": meta.conducted_by}
        options = "; ".join(
            f"“{meta.option_text(k, locale)}”" if en else f"«{meta.option_text(k, locale)}»"
            for k in meta.option_keys
        )
        q = meta.question_text(locale)
        exclusive = [meta.option_text(k, locale) for k in meta.exclusive]
        several = (
            "Several options could be chosen, so shares add to more than 100%. "
            if en
            else "Se podían elegir varias opciones, por lo que los porcentajes suman más del 100 %. "
        )
        if exclusive:
            several += (
                f"“{'”, “'.join(exclusive)}” could not be combined with other answers. "
                if en
                else f"«{'», «'.join(exclusive)}» no podía combinarse con otras respuestas. "
            )
        one = "One option could be chosen. " if en else "Se podía elegir una opción. "
        texts["question"] = (
            f"“{q}” Options, in this order: {options}. "
            + (several if meta.multiple else one)
            + "Asked as a stand-alone poll; no other question preceded it."
            if en
            else f"«{q}» Opciones, en este orden: {options}. "
            + (several if meta.multiple else one)
            + "Encuesta independiente; ninguna otra pregunta la precedía."
        )
        specialties = (
            ("all specialties" if en else "todas las especialidades")
            if meta.specialties is None
            else wording._join([SPECIALTIES[s].name(locale) for s in meta.specialties], locale)
        )
        texts["population"] = (
            f"Licensed physicians in {_countries(meta, locale)} ({specialties})."
            if en
            else f"Médicos colegiados o con licencia de {_countries(meta, locale)} ({specialties})."
        )
        if left_out:
            texts["population"] += (
                f" The pooled figures describe physicians in {_names(list(pool), locale) or 'no country'}: "
                f"{_names(left_out, locale)} had fewer than {MIN_POOL_BASE} respondents and "
                f"{'is' if len(left_out) == 1 else 'are'} not included in them."
                if en
                else f" Las cifras combinadas describen a los médicos de {_names(list(pool), locale) or 'ningún país'}: "
                f"{_names(left_out, locale)} tuvo menos de {MIN_POOL_BASE} encuestados y no se incluye en ellas."
            )
        texts["sample"] = (
            "A self-selected poll of Pulse members, physicians whose licence Pulse verified. Members chose whether "
            "to answer; it is not a random (probability) sample of physicians."
            if en
            else "Encuesta autoseleccionada entre miembros de Pulse, médicos cuya licencia verificó Pulse. Cada miembro "
            "decidió si responder; no es una muestra aleatoria (probabilística) de médicos."
        )
        texts["mode"] = (
            "Online and self-administered, on Pulse's website and mobile application."
            if en
            else "En línea y autoadministrada, en el sitio web y la aplicación móvil de Pulse."
        )
        texts["fieldwork"] = (
            f"{wording.date(meta.opens_at, locale)} – {wording.date(meta.closes_at, locale)} (UTC)."
        )
        sizes = []
        for row in countries.rows:
            name = country_label(row.key)[locale]
            if row.withheld or row.n is None:
                value = "fewer than 10 (not published)" if en else "menos de 10 (no se publica)"
            else:
                value = numbers.integer(row.n, locale)
            sizes.append(f"{name} {value}")
        total = (
            numbers.integer(topline.n, locale)
            if not topline.withheld and topline.n is not None
            else ("none" if en else "ninguno")
        )
        texts["sample_sizes"] = (
            f"{total} respondents in the pooled figures"
            if en
            else f"{total} encuestados en las cifras combinadas"
        ) + (": " + "; ".join(sizes) + "." if sizes else ".")
        texts["weighting"] = _weighting_text(weighting, shown, pool, locale)
        texts["precision"] = _precision_text(topline, locale)
        texts["processing"] = (
            "One vote per verified member, enforced by the database; votes carry the member's country, specialty, "
            "sex and age band at the time of voting and no identity. No imputation. Disclosure control: no figure "
            f"for fewer than {MIN_CELL} respondents, nor any figure from which one could be worked out (further "
            f"groups are withheld where needed); no percentage for a group of fewer than {SMALL_BASE} respondents "
            "or effective respondents; only weighted percentages, rounded to whole points (more coarsely where a "
            "group's weights are all equal), and no counts per answer."
            if en
            else "Un voto por miembro verificado, garantizado por la base de datos; cada voto lleva el país, la "
            "especialidad, el sexo y el grupo de edad del miembro al votar, sin identidad. Sin imputación. Control "
            f"de divulgación: ninguna cifra de menos de {MIN_CELL} encuestados ni cifras que permitan deducirla (se "
            f"retienen otros grupos cuando hace falta); ningún porcentaje para grupos de menos de {SMALL_BASE} "
            "encuestados o encuestados efectivos; solo porcentajes ponderados, redondeados a puntos enteros (con más "
            "redondeo si los pesos de un grupo son todos iguales), y ningún recuento por respuesta."
        )
        limits = (
            "Self-selection: members who answer may differ from other physicians in ways the weighting does "
            "not capture. Weighting uses only the figures each country publishes, from sources of different "
            "years and definitions; years in practice is not weighted (no source publishes it)."
            if en
            else "Autoselección: quienes responden pueden diferir de otros médicos en aspectos que la ponderación no "
            "recoge. La ponderación usa solo las cifras que publica cada país, de fuentes de distintos años y "
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


def _precision_text(topline: BaseFigures, locale: str) -> str:
    en = locale == "en"
    if topline.withheld or topline.n is None or topline.effective_n is None:
        return "Not published: too few respondents." if en else "No se publica: demasiado pocos encuestados."
    deff = numbers.decimal(topline.design_effect or 1.0, locale, 2)
    neff = numbers.integer(int(numbers.round_half_up(topline.effective_n)), locale)
    if en:
        return (
            "Each percentage carries one precision figure: its 95% credibility interval, a Bayesian measure "
            "that AAPOR accepts for opt-in samples, computed with the design effect measured on the weights "
            f"(all respondents: design effect {deff}, effective sample size {neff}, Kish): ±1.96·√(p(1−p)/effective "
            "n). Where a percentage is near 0% or 100% the interval is given as a range (Jeffreys). It assumes "
            "the weighting removes the bias of self-selection; it does not measure that bias, and it is not a "
            "margin of sampling error, which AAPOR considers misleading for a self-selected sample. Marks ▲/▼: "
            "a group differs from the other respondents (t test, 5% level), shown only on groups of at least "
            f"{FLAG_BASE} respondents and effective respondents."
        )
    return (
        "Cada porcentaje lleva una sola cifra de precisión: su intervalo de credibilidad del 95 %, una medida "
        "bayesiana que AAPOR acepta para muestras no probabilísticas, calculada con el efecto de diseño medido en "
        f"los pesos (total: efecto de diseño {deff}, tamaño efectivo de muestra {neff}, Kish): ±1,96·√(p(1−p)/n "
        "efectiva). Cerca del 0 % o del 100 % el intervalo se da como rango (Jeffreys). Supone que la ponderación "
        "elimina el sesgo de autoselección; no mide ese sesgo y no es un margen de error de muestreo, que AAPOR "
        "considera engañoso en una muestra autoseleccionada. Marcas ▲/▼: un grupo difiere del resto de "
        f"encuestados (prueba t, nivel del 5 %), solo en grupos de al menos {FLAG_BASE} encuestados y encuestados "
        "efectivos."
    )
