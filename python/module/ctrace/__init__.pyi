# Type stub of the Python module ctrace (docs/python.md).

import datetime
import os
from typing import Callable, Literal, NamedTuple, Sequence, TypedDict, Union, Unpack

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse

__version__: str

Duration = Union[str, int, datetime.timedelta]
HopDurations = Union[Duration, Sequence[Duration]]
Time = Union[str, int, datetime.datetime, datetime.date, np.datetime64]
Offset = Union[str, datetime.tzinfo]
Path = Union[str, os.PathLike[str]]
ColumnMap = Union[str, dict[str, str]]
Progress = Union[bool, None, Callable[[int, int], object]]

RISK_LIST_COLUMNS: tuple[str, ...]
profiles: tuple[str, ...]
MONITOR_COLUMN: str
COMPANION_COLUMNS: tuple[str, ...]

class InputError(ValueError):
    """Bad input: the file and line of the first bad row, its reason, the
    kept rows and their total; or the library's name of a parameter."""
    file: str | None
    line: int | None
    reason: str | None
    parameter: str | None
    rows: list[tuple[int, str]] | None
    total: int | None

class OutputError(OSError):
    """An output could not be written (the target is left untouched)."""
    target: str | None
    reason: str | None

class DataWarning(UserWarning): ...

class Sources(NamedTuple):
    links: pd.DataFrame
    common_persons: pd.DataFrame
    common_places: pd.DataFrame

class Clusters(NamedTuple):
    clusters: pd.DataFrame
    summary: pd.DataFrame

Profile = Literal["cn-ed8", "cn-ed9", "cwa"]

class TraceOptions(TypedDict, total=False):
    hops: int
    min_overlap: Duration
    linger: Duration
    latency: Duration
    lookback: Duration
    quarantine: HopDurations
    monitoring: HopDurations | None
    profile: Profile | None
    until: Time | None
    tz: Offset | None
    case_columns: ColumnMap | None
    cases_encoding: str | None

class Stays(TypedDict):
    person: npt.NDArray[np.uint32]
    place: npt.NDArray[np.uint32]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]

class Dataset:
    @classmethod
    def from_snapshot(cls, path: Path, *, contact_level: Literal["code", "site"] = "code",
                      pseudonymize: Path | None = None) -> Dataset: ...
    @classmethod
    def from_store(cls, folder: Path, *, contact_level: Literal["code", "site"] = "code",
                   pseudonymize: Path | None = None) -> Dataset: ...
    @property
    def person_ids(self) -> list[str]: ...
    @property
    def place_ids(self) -> list[str]: ...
    @property
    def tz(self) -> str: ...
    @property
    def contact_level(self) -> str: ...
    @property
    def stay_end(self) -> str: ...
    @property
    def rows_read(self) -> int: ...
    @property
    def rows_rejected(self) -> int: ...
    def rejects(self) -> pd.DataFrame: ...
    def stays(self) -> Stays: ...
    def incidence(self) -> "scipy.sparse.csr_matrix": ...
    def trace(self, cases: Path | pd.DataFrame, *, hops: int = 2, min_overlap: Duration = "15m",
              linger: Duration = "0s", latency: Duration = "0s", lookback: Duration = "4d",
              quarantine: HopDurations = "14d", monitoring: HopDurations | None = None,
              profile: Literal["cn-ed8", "cn-ed9", "cwa"] | None = None,
              until: Time | None = None, tz: Offset | None = None,
              case_columns: ColumnMap | None = None,
              cases_encoding: str | None = None) -> pd.DataFrame: ...
    def companions(self, cases: Path | pd.DataFrame, window: Duration = "30m", *,
                   hops: int = 2, min_overlap: Duration = "15m", linger: Duration = "0s",
                   latency: Duration = "0s", lookback: Duration = "4d",
                   quarantine: HopDurations = "14d", monitoring: HopDurations | None = None,
                   profile: Literal["cn-ed8", "cn-ed9", "cwa"] | None = None,
                   until: Time | None = None, tz: Offset | None = None) -> pd.DataFrame: ...
    def places(self, cases: Path | pd.DataFrame,
               **trace_options: Unpack[TraceOptions]) -> pd.DataFrame: ...
    def clusters(self, cases: Path | pd.DataFrame,
                 **trace_options: Unpack[TraceOptions]) -> Clusters: ...
    def zones(self, cases: Path | pd.DataFrame, *, residents: Path | None = None,
              as_of: Time | None = None, zone_quiet: Duration = "14d",
              screening: Duration = "2d",
              **trace_options: Unpack[TraceOptions]) -> pd.DataFrame: ...
    def sources(self, cases: Path | pd.DataFrame, *, incubation_min: Duration = "1d",
                incubation_max: Duration = "14d", min_cases: int = 2,
                min_overlap: Duration = "15m", linger: Duration = "0s",
                lookback: Duration = "4d", until: Time | None = None,
                profile: Profile | None = None, tz: Offset | None = None) -> Sources: ...
    def explain(self, person: str | Sequence[str], cases: Path | pd.DataFrame, *,
                meetings: bool = False,
                **trace_options: Unpack[TraceOptions]) -> pd.DataFrame: ...
    def rank(self, *, from_: Time | None = None, to: Time | None = None, top: int = 50,
             damping: float = 0.85, tz: Offset | None = None) -> pd.DataFrame: ...

def load(scans: Path | Sequence[Path] | pd.DataFrame, places: Path | None = None, *,
         tz: Offset = "+00:00", dwell: Duration = "1h", skip_bad: bool = False,
         stay_end: Literal["dwell", "next-scan"] = "dwell",
         contact_level: Literal["code", "site"] = "code", threads: int = 0,
         encoding: str | None = None, scans_encoding: str | None = None,
         places_encoding: str | None = None, scan_columns: ColumnMap | None = None,
         place_columns: ColumnMap | None = None, time_format: str | None = None,
         max_row_bytes: int = 1048576, pseudonymize: Path | None = None,
         progress: Progress = None) -> Dataset: ...

def to_csv(frame: pd.DataFrame, path: Path, bom: bool = False) -> None: ...
