"""A statement's field read by ``engine.rulebook.models.field_of`` is what ``getattr(statement,
name, None)`` gives, for every field of every kind of statement (a position has no
``shown_by``, a variant no ``in_force``, an offer no ``until``), on the bundled scenarios and
the fidelity cases' rule files: it replaced that ``getattr`` where ``in_force`` and the
citations ask it (pydantic answers a missing field by raising and catching an error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.rulebook import load_rulebook
from engine.rulebook.models import Offer, Position, Variant, field_of

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [ROOT / "rules" / "jcpoa", ROOT / "rules" / "strike",
           *sorted(p / "rules" for p in (ROOT / "fidelity" / "cases").iterdir() if (p / "rules").is_dir())[:40]]
NAMES = sorted({*Position.model_fields, *Offer.model_fields, *Variant.model_fields, "no_such_field", "model_fields"})


def statements(folder: Path) -> list:
    rulebook = load_rulebook(folder)
    positions = list(rulebook.positions.values())
    return [*positions, *rulebook.offers.values(), *(v for p in positions for v in p.variants)]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.parent.name if f.name == "rules" else f.name)
def test_a_field_of_a_statement_is_getattr_of_it(folder):
    found = statements(folder)
    assert found
    for statement in found:
        for name in NAMES:
            if name == "model_fields":  # a class attribute, not a field: ``field_of`` reads fields only
                assert field_of(statement, name) is None
                continue
            assert field_of(statement, name) is getattr(statement, name, None), (statement.id, name)


def test_an_offer_shown_by_conduct_has_its_act_and_a_position_none():
    rulebook = load_rulebook(ROOT / "rules" / "jcpoa")
    position = next(iter(rulebook.positions.values()))
    assert field_of(position, "shown_by") is None and field_of(position, "withholds") == position.withholds
    offer = next(iter(rulebook.offers.values()))
    assert field_of(offer, "if_") is offer.if_ and field_of(offer, "until") is None
