"""Demo data: accounts for each role and a realistic, deliberately skewed membership.

The membership is spread across the nine countries in proportion to their physician
populations (``sampling.population.country_totals``), but over-represents some specialties,
men and younger doctors, so that weighting visibly matters. Running it again adds nothing that
is already there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling.accounts.activity import activity_day
from polling.accounts.models import User
from polling.accounts.passwords import Hasher
from polling.accounts.service import create_user, find_user
from polling.db import utcnow
from polling.members import service as members
from polling.members.licences import make_npi
from polling.members.models import MemberIdentity, MemberProfile
from sampling import population
from sampling.codes import COUNTRIES
from sampling.taxonomy import SPECIALTIES

DOMAIN = "demo.pulse"
JOINED_DAYS_AGO = timedelta(days=60)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    note: str


ACCOUNTS = (
    DemoAccount("staff", f"staff@{DOMAIN}", "verify-licences-2026", "verification staff"),
    DemoAccount("client", f"client@{DOMAIN}", "commission-2026", "research client of Demo Research Ltd"),
    DemoAccount("journalist", f"journalist@{DOMAIN}", "press-room-2026", "journalist"),
    DemoAccount("member", f"member@{DOMAIN}", "cardio-votes-2026", "verified US cardiologist, English"),
    DemoAccount(
        "member", f"miembro@{DOMAIN}", "vota-en-pulse-2026", "verified Spanish family doctor, Spanish"
    ),
    DemoAccount("member", f"pending@{DOMAIN}", "waiting-room-2026", "UK GP waiting for verification"),
)

_MEMBER_DETAILS = {
    f"member@{DOMAIN}": {
        "full_name": "Alex Demo",
        "country": "US",
        "specialty": "cardiology",
        "licence_number": make_npi("123456789"),
        "sex": "female",
        "birth_year": 1978,
        "licence_year": 2004,
        "practice_setting": "hospital",
        "locale": "en",
    },
    f"miembro@{DOMAIN}": {
        "full_name": "Lucía Ejemplo",
        "country": "ES",
        "specialty": "family_medicine",
        "licence_number": "280012345",
        "sex": "female",
        "birth_year": 1984,
        "licence_year": 2009,
        "practice_setting": "community",
        "locale": "es",
    },
    f"pending@{DOMAIN}": {
        "full_name": "Sam Pending",
        "country": "UK",
        "specialty": "family_medicine",
        "licence_number": "7654321",
        "sex": "male",
        "birth_year": 1990,
        "licence_year": 2015,
        "practice_setting": "office",
        "locale": "en",
    },
}

# Deliberate skews of the demo membership relative to the physician population.
SPECIALTY_SKEW = {
    "family_medicine": 2.0,
    "psychiatry": 1.8,
    "emergency_medicine": 1.6,
    "dermatology": 1.5,
    "general_surgery": 0.5,
    "anesthesiology": 0.6,
    "pathology": 0.4,
    "radiology": 0.6,
}
MALE_SHARE = 0.74
AGE_SHARES = {"under 35": 0.3, "35-44": 0.34, "45-54": 0.22, "55-64": 0.1, "65 and over": 0.04}
AGE_RANGES = {
    "under 35": (28, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65 and over": (65, 74),
}


def _licence(country: str, index: int) -> str:
    serial = 10_000 + index
    return {
        "US": make_npi(f"1{serial:08d}"),
        "UK": f"{5_000_000 + serial:07d}",
        "AU": f"MED{serial:010d}",
        "CA": f"{serial:06d}",
        "IE": f"{400_000 + serial:06d}",
        "NZ": f"{serial:06d}",
        "ZA": f"MP{serial:07d}",
        "MX": f"{10_000_000 + serial:08d}",
        "ES": f"28{serial:07d}",
    }[country]


def seed_accounts(session: Session, hasher: Hasher) -> None:
    staff = find_user(session, ACCOUNTS[0].email) or create_user(
        session, hasher, email=ACCOUNTS[0].email, password=ACCOUNTS[0].password, role="staff"
    )
    for account in ACCOUNTS[1:]:
        if find_user(session, account.email) is not None:
            continue
        if account.role == "member":
            details = _MEMBER_DETAILS[account.email]
            verified_by = None if account.email.startswith("pending") else staff
            members.register_physician(
                session,
                hasher,
                {"email": account.email, "password": account.password, **details},
                verified_by=verified_by,
            )
        else:
            create_user(
                session,
                hasher,
                email=account.email,
                password=account.password,
                role=account.role,
                organisation="Demo Research Ltd" if account.role == "client" else None,
                outlet="Demo Health News" if account.role == "journalist" else None,
            )


def _specialty_probabilities(country: str) -> tuple[list[str], np.ndarray]:
    """Canonical specialty shares for a country: the US distribution within each of the levels
    the country's frame publishes, rescaled to that frame's shares; then the demo's skew."""
    codes = list(SPECIALTIES)
    us = population.targets("US", variables=["specialty"])["specialty"]
    base = np.array([us.get(code, 0.0) for code in codes], dtype=float)
    margin = population.targets(country, variables=["specialty"]).margins.get("specialty")
    if margin is not None and margin.collapse_map:
        levels = np.array([margin.collapse_map[code] for code in codes])
        for level, share in margin.shares.items():
            inside = levels == level
            if base[inside].sum() > 0:
                base[inside] *= share / base[inside].sum()
    p = base * np.array([SPECIALTY_SKEW.get(code, 1.0) for code in codes])
    return codes, p / p.sum()


def seed_membership(session: Session, *, members_n: int, seed: int) -> int:
    """Create up to ``members_n`` verified demo physicians; returns how many were added."""
    existing = (
        session.scalar(select(func.count()).select_from(User).where(User.email.like(f"%@members.{DOMAIN}")))
        or 0
    )
    if existing >= members_n:
        return 0
    rng = np.random.default_rng(seed)
    totals = population.country_totals()
    countries = list(COUNTRIES)
    shares = np.array([totals[c] for c in countries], dtype=float)
    allocation = rng.multinomial(members_n, shares / shares.sum())
    year = utcnow().year
    # Verified before the demo polls opened (their votes must be possible), to the day only: member
    # activity finer than the day would line up with votes (respondents.anonymity).
    joined = activity_day(utcnow() - JOINED_DAYS_AGO)
    # One shared hash of a secret nobody knows: generated members cannot log in.
    locked_hash = Hasher(time_cost=1, memory_cost=8192).hash(secrets.token_hex(16))
    bands = list(AGE_SHARES)
    index = 0
    added = 0
    taken_handles = set(session.scalars(select(MemberProfile.handle)))
    for country, count in zip(countries, allocation):
        codes, p = _specialty_probabilities(country)
        specialties = rng.choice(codes, size=count, p=p)
        sexes = np.where(rng.random(count) < MALE_SHARE, "male", "female")
        age_bands = rng.choice(bands, size=count, p=list(AGE_SHARES.values()))
        for specialty, sex, band in zip(specialties, sexes, age_bands):
            index += 1
            if index <= existing:
                continue
            low, high = AGE_RANGES[str(band)]
            age = int(rng.integers(low, high + 1))
            licence_year = year - int(rng.integers(1, max(2, age - 25)))
            handle = f"dr-{members.HANDLE_WORDS[index % len(members.HANDLE_WORDS)]}-{index:05d}"
            if handle in taken_handles:
                handle = members.new_handle(session)
            user = User(
                email=f"physician{index:05d}@members.{DOMAIN}",
                password_hash=locked_hash,
                role="member",
                created_at=joined,
                locale="es" if country in {"ES", "MX"} else "en",
            )
            member = MemberProfile(
                user=user,
                handle=handle,
                country=country,
                specialty=str(specialty),
                sex=str(sex),
                birth_year=year - age,
                licence_year=licence_year,
                practice_setting=str(rng.choice(["hospital", "office", "academic", "community"])),
                status="verified",
                created_at=joined,
                reviewed_at=joined,
            )
            member.identity = MemberIdentity(
                full_name=f"Demo Physician {index:05d}",
                country=country,
                licence_number=_licence(country, index),
            )
            session.add(member)
            added += 1
    session.flush()
    return added
