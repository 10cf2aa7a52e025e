"""rollup works each distinct code out once and spreads it back: the same values, missing values, index, name and
dtype as rolling up every value by itself."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iekg.graph.sums import ROLLUP_PATTERN, rollup


def one_by_one(codes: pd.Series) -> pd.Series:
    codes = codes.astype(str)
    return codes.where(~codes.str.fullmatch(ROLLUP_PATTERN), codes.str[:2])


def test_codes_roll_up_to_their_first_two_digits_letters_and_odd_codes_stay() -> None:
    codes = pd.Series(["3611", "36", "C", "361", "12345", "", "3611", "0123"], index=[9, 8, 7, 6, 5, 4, 3, 2],
                      name="industry")
    got = rollup(codes)
    assert got.tolist() == ["36", "36", "C", "36", "12345", "", "36", "01"]
    assert got.index.tolist() == [9, 8, 7, 6, 5, 4, 3, 2] and got.name == "industry"
    pd.testing.assert_series_equal(got, one_by_one(codes), check_exact=True)


def test_missing_values_numbers_and_empty_columns_as_one_by_one() -> None:
    for codes in (pd.Series(["3611", None, np.nan, "C"], dtype=object), pd.Series(["3611", None], dtype="str"),
                  pd.Series([3611, 36, 1]), pd.Series([361.0, np.nan]), pd.Series([], dtype=object),
                  pd.Series([None, None]), pd.Series(["a1234", "１２３４", "9999 "], name=("x", 1))):
        got, want = rollup(codes), one_by_one(codes)
        pd.testing.assert_series_equal(got, want, check_exact=True)
        assert got.dtype == want.dtype
        assert got.isna().tolist() == want.isna().tolist()
