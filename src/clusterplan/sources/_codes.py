"""Area code systems: NUTS 2016 (used by BRES on NOMIS) and ITL 2021 (used by ONS GVA).

The ITL 2021 classification that replaced NUTS in the UK kept the NUTS 2016
areas and codes with the country prefix ``UK`` replaced by ``TL`` (ONS,
"International Territorial Levels (ITL)", 2021). The package test
``test_crosswalk`` checks this rule area by area against the names in BRES and
in the GVA tables.
"""

from __future__ import annotations

import re

__all__ = ["is_itl2021", "is_nuts2016", "itl2021_to_nuts2016", "nuts2016_to_itl2021"]

_NUTS = re.compile(r"^UK[C-N][0-9A-Z]{0,3}$")
_ITL = re.compile(r"^TL[C-N][0-9A-Z]{0,3}$")


def is_nuts2016(code: str) -> bool:
    """True for a UK NUTS 2016 code such as ``UKG3``."""
    return bool(_NUTS.match(code))


def is_itl2021(code: str) -> bool:
    """True for an ITL 2021 code such as ``TLG3``."""
    return bool(_ITL.match(code))


def nuts2016_to_itl2021(code: str) -> str:
    """``UKG3`` -> ``TLG3``; any other code is returned unchanged.

    >>> nuts2016_to_itl2021("UKG3")
    'TLG3'
    >>> nuts2016_to_itl2021("E08000025")
    'E08000025'
    """
    return "TL" + code[2:] if is_nuts2016(code) else code


def itl2021_to_nuts2016(code: str) -> str:
    """``TLG3`` -> ``UKG3``; any other code is returned unchanged.

    >>> itl2021_to_nuts2016("TLG31")
    'UKG31'
    """
    return "UK" + code[2:] if is_itl2021(code) else code
