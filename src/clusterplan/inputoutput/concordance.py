"""Concordances from industry codes to the industries of the input-output tables.

SIC 2007 codes to the ONS IOAT 2019 industries (:func:`sic_io_industries`),
NAICS codes to BEA summary industries (:data:`BEA_SUMMARY_NAICS`,
:func:`naics_bea_industries`) and to the BEA 2007 detail industries
(:func:`naics_bea_detail_industries`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

__all__ = [
    "BEA_SUMMARY_NAICS",
    "bea_detail_concordance",
    "naics_bea_detail_industries",
    "naics_bea_industries",
    "sic_io_industries",
]

#: BEA summary industry -> the NAICS code prefixes it covers, from the "NAICS codes" sheet of BEA's
#: *IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx* (2007 NAICS; the prefixes are stable through NAICS 2017).
#: Government (GFGD, GFGN, GSLG, GSLE), housing services (HS, owner-occupied housing, no establishments) and the
#: Used/Other commodity rows have no NAICS codes; real estate (531) goes to ORE. Postal service 491 is in GFE.
BEA_SUMMARY_NAICS: dict[str, tuple[str, ...]] = {
    "111CA": ("111", "112"),
    "113FF": ("113", "114", "115"),
    "211": ("211",),
    "212": ("212",),
    "213": ("213",),
    "22": ("22",),
    "23": ("23",),
    "321": ("321",),
    "327": ("327",),
    "331": ("331",),
    "332": ("332",),
    "333": ("333",),
    "334": ("334",),
    "335": ("335",),
    "3361MV": ("3361", "3362", "3363"),
    "3364OT": ("3364", "3365", "3366", "3369"),
    "337": ("337",),
    "339": ("339",),
    "311FT": ("311", "312"),
    "313TT": ("313", "314"),
    "315AL": ("315", "316"),
    "322": ("322",),
    "323": ("323",),
    "324": ("324",),
    "325": ("325",),
    "326": ("326",),
    "42": ("42",),
    "441": ("441",),
    "445": ("445",),
    "452": ("452",),
    "4A0": ("442", "443", "444", "446", "447", "448", "451", "453", "454"),
    "481": ("481",),
    "482": ("482",),
    "483": ("483",),
    "484": ("484",),
    "485": ("485",),
    "486": ("486",),
    "487OS": ("487", "488", "492"),
    "493": ("493",),
    "511": ("511",),
    "512": ("512",),
    "513": ("515", "517"),
    "514": ("518", "519"),
    "521CI": ("521", "522"),
    "523": ("523",),
    "524": ("524",),
    "525": ("525",),
    "ORE": ("531",),
    "532RL": ("532", "533"),
    "5411": ("5411",),
    "5415": ("5415",),
    "5412OP": ("5412", "5413", "5414", "5416", "5417", "5418", "5419"),
    "55": ("55",),
    "561": ("561",),
    "562": ("562",),
    "61": ("61",),
    "621": ("621",),
    "622": ("622",),
    "623": ("623",),
    "624": ("624",),
    "711AS": ("711", "712"),
    "713": ("713",),
    "721": ("721",),
    "722": ("722",),
    "81": ("81",),
    "GFE": ("491",),
}


def sic_io_industries(codes: Sequence[str], lookup: pd.DataFrame) -> pd.Series:
    """The IOAT industries of SIC 2007 codes (subclass, class, group or division).

    A code takes the industry of its longest prefix in the lookup (as
    :func:`clusterplan.sources.ons_io.sic_to_ioat`); a code the IOAT splits (division ``10`` food, ``68`` real
    estate, ...) takes every industry the lookup lists below it.

    Parameters
    ----------
    codes
        SIC 2007 codes without dots.
    lookup
        ``sic_code`` -> ``ioat_code`` (the package dataset ``bres_ioat_lookup``,
        :attr:`~clusterplan.inputoutput.tables.ReferenceTables.bres_ioat_lookup`).

    Returns
    -------
    pandas.Series
        Indexed by code: a tuple of IOAT codes (empty when none).

    Examples
    --------
    >>> lookup = pd.DataFrame({"sic_code": ["01", "101", "107"], "ioat_code": ["A01", "C101", "C107"]})
    >>> sic_io_industries(["01130", "10710", "10", "99000"], lookup).tolist()
    [('A01',), ('C107',), ('C101', 'C107'), ()]
    """
    prefixes = dict(zip(lookup["sic_code"].astype(str), lookup["ioat_code"].astype(str), strict=True))
    return _prefix_industries(codes, prefixes)


def naics_bea_industries(codes: Sequence[str]) -> pd.Series:
    """The BEA summary industries of NAICS codes (2 to 6 digits), from :data:`BEA_SUMMARY_NAICS`.

    A code takes the industry of its longest prefix; a code above that level (sector ``44`` retail, ``33``
    manufacturing) takes every industry below it.

    Examples
    --------
    >>> naics_bea_industries(["336411", "541330", "44", "921110"]).tolist()
    [('3364OT',), ('5412OP',), ('441', '445', '4A0'), ()]
    """
    prefixes = {prefix: industry for industry, parts in BEA_SUMMARY_NAICS.items() for prefix in parts}
    return _prefix_industries(codes, prefixes)


def bea_detail_concordance(table: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """NAICS prefix -> the BEA 2007 detail industries it belongs to.

    Parameters
    ----------
    table
        BEA's concordance, ``bea_code`` and ``naics_code`` one pair a row (the package dataset
        ``bea_detail_naics_2007``, :attr:`~clusterplan.inputoutput.tables.ReferenceTables.bea_detail_naics`).

    Examples
    --------
    >>> table = pd.DataFrame({"bea_code": ["1111A0", "1111A0", "1111B0"], "naics_code": ["11111", "11112", "11115"]})
    >>> bea_detail_concordance(table)
    {'11111': ('1111A0',), '11112': ('1111A0',), '11115': ('1111B0',)}
    """
    out: dict[str, list[str]] = {}
    for industry, prefix in zip(table["bea_code"].astype(str), table["naics_code"].astype(str), strict=True):
        out.setdefault(prefix, []).append(industry)
    return {prefix: tuple(dict.fromkeys(industries)) for prefix, industries in out.items()}


def naics_bea_detail_industries(codes: Sequence[str], concordance: Mapping[str, Sequence[str]]) -> pd.Series:
    """The BEA detail industries (2007 benchmark, 389) of NAICS codes, from BEA's own concordance.

    A code takes the industries of its longest prefix in the concordance (:func:`bea_detail_concordance` of the
    package dataset ``bea_detail_naics_2007``). A code the 2007 list does not reach (NAICS 2012 and 2017 codes such
    as 333241 or 517311) takes every detail industry whose listed codes share its longest common prefix (333241: the
    industries under 3332), so it inherits the strongest links of its neighbourhood.

    Parameters
    ----------
    codes
        NAICS codes (2 to 6 digits).
    concordance
        NAICS prefix -> detail industries (:func:`bea_detail_concordance`).

    Returns
    -------
    pandas.Series
        Indexed by code: a tuple of detail industry codes (empty when none).

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> concordance = bea_detail_concordance(reference_tables().bea_detail_naics)
    >>> naics_bea_detail_industries(["336411", "111150", "333241", "921110"], concordance).tolist()
    [('336411',), ('1111B0',), ('333220', '333295', '33329A'), ()]
    """
    table = dict(concordance)
    result: dict[str, tuple[str, ...]] = {}
    for raw in codes:
        code = str(raw).strip()
        found = next((table[code[:n]] for n in range(len(code), 1, -1) if code[:n] in table), None)
        if found is None:
            found = ()
            for n in range(len(code), 1, -1):
                near = sorted({i for prefix, inds in table.items() if prefix.startswith(code[:n]) for i in inds})
                if near:
                    found = tuple(near)
                    break
        result[code] = tuple(found)
    return pd.Series(result, dtype=object)


def _prefix_industries(codes: Sequence[str], prefixes: dict[str, str]) -> pd.Series:
    result: dict[str, tuple[str, ...]] = {}
    for raw in codes:
        code = str(raw).strip()
        found = next((prefixes[code[:n]] for n in range(len(code), 1, -1) if code[:n] in prefixes), None)
        if found is not None:
            result[code] = (found,)
        else:
            below = sorted({industry for prefix, industry in prefixes.items() if prefix.startswith(code)})
            result[code] = tuple(below)
    return pd.Series(result, dtype=object)
