"""Deal types and the offers' transaction modes: every mode an offer can name is a deal type."""

import pytest

from ipplatform.common.enums import TransactionMode
from ipplatform.outcomes.enums import DealType, deal_type_for


@pytest.mark.parametrize("mode", list(TransactionMode))
def test_every_transaction_mode_is_a_deal_type_with_the_same_label(mode):
    deal_type = deal_type_for(mode)
    assert (deal_type.name, deal_type.value, deal_type.zh) == (mode.name, mode.value, mode.zh)
    assert deal_type_for(mode.value) is deal_type  # modes are stored as plain strings on offers


def test_deal_types_beyond_the_modes_are_not_modes():
    extra = {t.value for t in DealType} - {m.value for m in TransactionMode}
    assert extra == {"securitisation", "trust", "self_implementation"}
    for value in extra:
        with pytest.raises(ValueError):
            deal_type_for(value)
