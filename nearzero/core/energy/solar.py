"""Solar resource, offline: shipped monthly station tables, a synthetic hourly year built from
them over a pvlib clear-sky shape, and a reader for users' weather files (EPW, TMY3, PVGIS).

Every weather table here is a :class:`pandas.DataFrame` indexed by aware timestamps, with
columns ``ghi``, ``dni``, ``dhi`` [W/m²] (mean over the interval), ``temp_air`` [°C] and
``wind_speed`` [m/s], and the site in ``DataFrame.attrs``: ``latitude`` [°N],
``longitude`` [°E], ``altitude`` [m], ``tz`` (the index's time zone, :func:`tz_label`) and
``source``.

The synthetic year (:func:`synthetic_year`):

1. hourly timestamps at the middle of each hour, local standard time;
2. clear-sky GHI from the Ineichen–Perez model with pvlib's Linke turbidity climatology
   (Ineichen & Perez 2002; Remund et al. 2003);
3. each month scaled so that its total equals the monthly GHI of the table, exactly:
   ``GHI_h = GHI_cs,h × H_m / Σ_{h∈m} GHI_cs,h × Δt``;
4. ``DHI = k_d × GHI`` with the diffuse share ``k_d`` (constant, or one per month);
5. ``DNI = (GHI − DHI) / cos θ_z`` (closure); when the sun is within
   :data:`LOW_SUN_ZENITH_DEG` of the horizon the beam is set to zero and all of GHI is diffuse,
   so that GHI closure and the monthly totals still hold;
6. air temperature as an annual plus a diurnal sine and a constant wind speed, from rounded
   climate values per station (an assumption, documented on :class:`Station`).

Every day of a month has the same shape (a "mean day"); there is no day-to-day variability.
See ``docs/algorithms/pv-yield.md`` for what this does to a yield estimate.

References
----------
.. [1] P. Ineichen, R. Perez (2002). A new airmass independent formulation for the Linke
   turbidity coefficient. Solar Energy 73(3), 151–157. doi:10.1016/S0038-092X(02)00045-2.
.. [2] J. Remund, L. Wald, M. Lefèvre, T. Ranchin, J. Page (2003). Worldwide Linke turbidity
   information. Proc. ISES Solar World Congress, Göteborg.
.. [3] W. F. Holmgren, C. W. Hansen, M. A. Mikofski (2018). pvlib python: a python package for
   modeling solar energy systems. JOSS 3(29), 884. doi:10.21105/joss.00884.
.. [4] China Daily Solar Radiation Dataset (XAUAT), monthly means 1988–2017, as tabulated in
   the nearzero domain brief (DOMAIN.md, "Solar resource").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

from nearzero.core.errors import DomainError
from nearzero.core.geo import haversine_m

#: Columns of every weather table.
WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")

#: Solar zenith [°] beyond which the synthetic year has no beam: DNI by closure divides by
#: cos θ_z, which blows up at grazing sun. 85° is the limit the Perez transposition model
#: itself puts on cos θ_z (Perez et al. 1990, as in ``pvlib.irradiance.perez``).
LOW_SUN_ZENITH_DEG = 85.0

#: Time zone of the shipped stations (China Standard Time, UTC+8, no daylight saving).
CHINA_TZ = "Asia/Shanghai"

#: Upper bound on any irradiance in a weather file [W/m²]; above it the value is an error
#: code (EPW writes 9999 for missing). The solar constant is 1361 W/m² (Kopp & Lean 2011).
MAX_IRRADIANCE_W_PER_M2 = 1_500.0

#: Month of each hour is taken from the timestamp; the synthetic year is labelled at the
#: middle of each hour. Hours per interval of the synthetic year.
SYNTHETIC_STEP_H = 1.0


class WeatherError(DomainError, ValueError):
    """Weather input that cannot be used (a stable ``code`` for the API and the CLI)."""


@dataclass(frozen=True)
class Station:
    """A weather station with its monthly solar climate.

    ``monthly_ghi_kwh_per_m2`` and ``diffuse_share`` are data (see ``source``). The
    coordinates, altitude, temperature and wind are approximate values for the station's
    location and climate (rounded; they drive only the sun geometry and the small cell
    temperature correction) — an assumption, not data.
    """

    code: str
    name: str
    name_zh: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    monthly_ghi_kwh_per_m2: tuple[float, ...]
    diffuse_share: float | tuple[float, ...]
    temp_mean_c: float
    temp_annual_half_range_c: float
    wind_speed_m_per_s: float
    source: str
    tz: str = CHINA_TZ

    @property
    def annual_ghi_kwh_per_m2(self) -> float:
        return float(sum(self.monthly_ghi_kwh_per_m2))


_XAUAT = (
    "Monthly mean global horizontal irradiation 1988–2017, derived from the China Daily "
    "Solar Radiation Dataset (Xi'an University of Architecture and Technology, XAUAT); "
    "nearzero domain brief (DOMAIN.md), 'Solar resource'"
)

#: Shipped stations, by WMO/CMA station number. Coordinates and altitudes are approximate
#: station locations (rounded); temperature (annual mean, half of the July − January range)
#: and wind are rounded climate values used as assumptions for the cell temperature only.
#: The domain brief's annual column (1,182; 1,297; 968) is rounded separately; the sums of
#: the monthly values (1,183; 1,297; 969) are what the synthetic year reproduces.
STATIONS: dict[str, Station] = {
    "58367": Station(
        code="58367",
        name="Shanghai Xujiahui",
        name_zh="上海徐家汇",
        latitude_deg=31.19,
        longitude_deg=121.43,
        altitude_m=5.0,
        monthly_ghi_kwh_per_m2=(56, 68, 97, 121, 134, 112, 146, 134, 106, 90, 64, 55),
        diffuse_share=0.58,
        temp_mean_c=17.0,
        temp_annual_half_range_c=12.0,
        wind_speed_m_per_s=2.5,
        source=_XAUAT,
    ),
    "58366": Station(
        code="58366",
        name="Chongming",
        name_zh="崇明",
        latitude_deg=31.67,
        longitude_deg=121.50,
        altitude_m=3.0,
        monthly_ghi_kwh_per_m2=(66, 74, 105, 127, 144, 123, 152, 145, 117, 101, 75, 68),
        diffuse_share=0.53,
        temp_mean_c=16.5,
        temp_annual_half_range_c=12.0,
        wind_speed_m_per_s=3.0,
        source=_XAUAT,
    ),
    "56187": Station(
        code="56187",
        name="Chengdu Wenjiang",
        name_zh="成都温江",
        latitude_deg=30.75,
        longitude_deg=103.86,
        altitude_m=540.0,
        monthly_ghi_kwh_per_m2=(44, 52, 81, 106, 120, 112, 120, 116, 74, 56, 47, 41),
        diffuse_share=0.73,
        temp_mean_c=16.2,
        temp_annual_half_range_c=10.0,
        wind_speed_m_per_s=1.3,
        source=_XAUAT,
    ),
}

#: Half of the mean daily temperature range [°C] used by :func:`seasonal_temperature_c`
#: (an assumption: the mean diurnal range in the Yangtze delta and the Sichuan basin is about
#: 6–8 °C).
DIURNAL_HALF_RANGE_C = 3.5
#: Day of year of the coldest day (about 20 January in eastern and south-western China, the
#: usual lag of about a month after the winter solstice) — an assumption.
COLDEST_DAY_OF_YEAR = 20
#: Local hour of the day's maximum temperature (mid-afternoon) — an assumption.
WARMEST_HOUR = 15.0


def station(code: str) -> Station:
    """The shipped station ``code`` (e.g. ``"58367"``); :class:`WeatherError` if unknown."""
    try:
        return STATIONS[code]
    except KeyError:
        known = ", ".join(f"{s.code} {s.name}" for s in STATIONS.values())
        raise WeatherError(
            "unknown_station", f"unknown station {code!r}; shipped: {known}", field="station"
        ) from None


def nearest_station(
    latitude_deg: float, longitude_deg: float, extra: Sequence[Station] = ()
) -> tuple[Station, float]:
    """The station nearest to a point among the shipped ones and ``extra`` (users' own
    stations), and its great-circle distance [km]."""
    best = min(
        [*STATIONS.values(), *extra],
        key=lambda s: haversine_m(longitude_deg, latitude_deg, s.longitude_deg, s.latitude_deg),
    )
    distance_m = haversine_m(longitude_deg, latitude_deg, best.longitude_deg, best.latitude_deg)
    return best, distance_m / 1_000.0


def hourly_midpoints(year: int, tz: str = CHINA_TZ) -> pd.DatetimeIndex:
    """Every hour of ``year`` labelled at its middle (00:30, 01:30, …), local time ``tz``."""
    start = pd.Timestamp(year=year, month=1, day=1, hour=0, minute=30)
    end = pd.Timestamp(year=year, month=12, day=31, hour=23, minute=30)
    return pd.date_range(start, end, freq="h", tz=tz)


def seasonal_temperature_c(
    times: pd.DatetimeIndex,
    temp_mean_c: float,
    temp_annual_half_range_c: float,
    diurnal_half_range_c: float = DIURNAL_HALF_RANGE_C,
    coldest_day_of_year: int = COLDEST_DAY_OF_YEAR,
    warmest_hour: float = WARMEST_HOUR,
) -> np.ndarray:
    """Air temperature as an annual plus a diurnal cosine.

    ``T = T_mean − A_y·cos(2π(d − d_min)/365.25) + A_d·cos(2π(h − h_max)/24)``

    Parameters
    ----------
    times : DatetimeIndex
        Local timestamps.
    temp_mean_c : float
        Annual mean air temperature [°C].
    temp_annual_half_range_c : float
        Half of the difference between the warmest and coldest monthly means, ``A_y`` [°C].
    diurnal_half_range_c : float, default :data:`DIURNAL_HALF_RANGE_C`
        Half of the mean daily range, ``A_d`` [°C].
    coldest_day_of_year : int, default :data:`COLDEST_DAY_OF_YEAR`
        ``d_min`` [day of year].
    warmest_hour : float, default :data:`WARMEST_HOUR`
        ``h_max`` [h, local time].

    Returns
    -------
    numpy.ndarray
        Air temperature [°C].
    """
    day = times.day_of_year.to_numpy(dtype=float)
    hour = times.hour.to_numpy(dtype=float) + times.minute.to_numpy(dtype=float) / 60.0
    annual = -temp_annual_half_range_c * np.cos(2 * np.pi * (day - coldest_day_of_year) / 365.25)
    diurnal = diurnal_half_range_c * np.cos(2 * np.pi * (hour - warmest_hour) / 24.0)
    return temp_mean_c + annual + diurnal


def _per_month(values: float | Sequence[float], name: str, *, allow_one: bool) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if allow_one and arr.shape == (1,):
        arr = np.repeat(arr, 12)
    if arr.shape != (12,):
        need = "1 or 12 values" if allow_one else "12 values"
        raise WeatherError("bad_monthly_table", f"{name} needs {need}", field=name)
    return arr


def clearsky_ghi_w_per_m2(
    times: pd.DatetimeIndex, latitude_deg: float, longitude_deg: float, altitude_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Clear-sky GHI (Ineichen–Perez, pvlib Linke turbidity climatology) and apparent zenith.

    Returns
    -------
    ghi_w_per_m2, apparent_zenith_deg : numpy.ndarray
    """
    location = pvlib.location.Location(latitude_deg, longitude_deg, altitude=altitude_m)
    solar_position = location.get_solarposition(times)
    clearsky = location.get_clearsky(times, model="ineichen", solar_position=solar_position)
    return (
        clearsky["ghi"].to_numpy(dtype=float),
        solar_position["apparent_zenith"].to_numpy(dtype=float),
    )


def synthetic_year(
    monthly_ghi_kwh_per_m2: Sequence[float],
    diffuse_share: float | Sequence[float],
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float = 0.0,
    *,
    temp_mean_c: float = 16.0,
    temp_annual_half_range_c: float = 11.0,
    wind_speed_m_per_s: float = 2.0,
    year: int = 2023,
    tz: str = CHINA_TZ,
    source: str = "user monthly table",
) -> pd.DataFrame:
    """An hourly weather year whose monthly GHI equals a monthly table.

    Parameters
    ----------
    monthly_ghi_kwh_per_m2 : sequence of 12 floats
        Monthly global horizontal irradiation, January first [kWh/m²].
    diffuse_share : float or sequence of 12 floats
        Diffuse fraction of GHI, ``DHI/GHI`` [0–1], for the year or per month.
    latitude_deg, longitude_deg : float
        Site [°N, °E]. The clear-sky shape and the sun geometry are computed here.
    altitude_m : float, default 0
        Site altitude [m] (clear-sky model and air pressure).
    temp_mean_c, temp_annual_half_range_c : float, default 16.0, 11.0
        Annual temperature sine, see :func:`seasonal_temperature_c` [°C]. The defaults are
        rounded values between Shanghai's and Chengdu's climate (an assumption).
    wind_speed_m_per_s : float, default 2.0
        Constant wind speed [m/s] (an assumption; the cell temperature model uses it).
    year : int, default 2023
        Calendar year of the timestamps (2023 has 8,760 hours).
    tz : str, default :data:`CHINA_TZ`
        Time zone of the timestamps (local standard time).
    source : str
        Provenance, stored in ``attrs["source"]``.

    Returns
    -------
    pandas.DataFrame
        Hourly ``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s], one
        row per hour labelled at its middle, with the site in ``attrs``.

    Raises
    ------
    WeatherError
        A table of the wrong length, a negative value, a diffuse share outside 0–1, or a
        month with irradiation but no daylight.
    """
    monthly = _per_month(monthly_ghi_kwh_per_m2, "monthly_ghi_kwh_per_m2", allow_one=False)
    share = _per_month(diffuse_share, "diffuse_share", allow_one=True)
    if not np.all(np.isfinite(monthly)) or np.any(monthly < 0):
        raise WeatherError("bad_monthly_table", "monthly GHI must be finite and ≥ 0")
    if np.any((share < 0) | (share > 1)):
        raise WeatherError("bad_diffuse_share", "diffuse share must be within 0–1")

    times = hourly_midpoints(year, tz)
    cs_ghi, zenith = clearsky_ghi_w_per_m2(times, latitude_deg, longitude_deg, altitude_m)
    month_idx = times.month.to_numpy() - 1
    cs_month_kwh = np.bincount(month_idx, weights=cs_ghi * SYNTHETIC_STEP_H, minlength=12) / 1e3
    if np.any((cs_month_kwh <= 0) & (monthly > 0)):
        raise WeatherError("no_daylight", "a month has irradiation but no daylight at this site")
    scale = np.divide(monthly, cs_month_kwh, out=np.zeros(12), where=cs_month_kwh > 0)
    ghi = cs_ghi * scale[month_idx]

    dhi = ghi * share[month_idx]
    cos_zenith = np.cos(np.radians(zenith))
    beam = zenith < LOW_SUN_ZENITH_DEG
    dni = np.where(beam, (ghi - dhi) / np.where(beam, cos_zenith, 1.0), 0.0)
    dhi = np.where(beam, dhi, ghi)

    data = pd.DataFrame(
        {
            "ghi": ghi,
            "dni": dni,
            "dhi": dhi,
            "temp_air": seasonal_temperature_c(times, temp_mean_c, temp_annual_half_range_c),
            "wind_speed": np.full(len(times), float(wind_speed_m_per_s)),
        },
        index=times,
    )
    data.attrs.update(
        latitude=float(latitude_deg),
        longitude=float(longitude_deg),
        altitude=float(altitude_m),
        tz=str(tz),
        source=source,
    )
    return data


def station_year(
    code_or_station: str | Station,
    *,
    latitude_deg: float | None = None,
    longitude_deg: float | None = None,
    altitude_m: float | None = None,
    year: int = 2023,
) -> pd.DataFrame:
    """The synthetic year of a shipped station's table, at the station or at a nearby site.

    With ``latitude_deg``/``longitude_deg`` the station's monthly climate is laid over the
    site's own clear-sky shape and sun geometry (sunrise and solar noon of the site).
    """
    st = code_or_station if isinstance(code_or_station, Station) else station(code_or_station)
    data = synthetic_year(
        st.monthly_ghi_kwh_per_m2,
        st.diffuse_share,
        st.latitude_deg if latitude_deg is None else latitude_deg,
        st.longitude_deg if longitude_deg is None else longitude_deg,
        st.altitude_m if altitude_m is None else altitude_m,
        temp_mean_c=st.temp_mean_c,
        temp_annual_half_range_c=st.temp_annual_half_range_c,
        wind_speed_m_per_s=st.wind_speed_m_per_s,
        year=year,
        tz=st.tz,
        source=f"synthetic year from station {st.code} {st.name}: {st.source}",
    )
    data.attrs["station"] = st.code
    return data


def monthly_ghi_kwh_per_m2(weather: pd.DataFrame) -> np.ndarray:
    """Monthly GHI totals of a weather table [kWh/m²], January first (months by timestamp)."""
    step_h = interval_hours(weather.index)
    month_idx = weather.index.month.to_numpy() - 1
    ghi = weather["ghi"].to_numpy(dtype=float)
    return np.bincount(month_idx, weights=ghi * step_h, minlength=12) / 1e3


def interval_hours(index: pd.DatetimeIndex) -> float:
    """The most common spacing of ``index`` [h] (robust to the year jumps of TMY files)."""
    if len(index) < 2:
        raise WeatherError("too_short", "a weather table needs at least two timestamps")
    diffs = np.diff(index.asi8)
    diffs = diffs[diffs > 0]
    if not len(diffs):
        raise WeatherError("bad_index", "timestamps do not increase")
    values, counts = np.unique(diffs, return_counts=True)
    unit_ns = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[index.unit]
    return float(values[np.argmax(counts)]) * unit_ns / 3.6e12


def _sniff(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".epw":
        return "epw"
    if suffix == ".json":
        return "pvgis"
    if suffix == ".csv":
        with path.open("rb") as fh:
            first = fh.readline()
        return "pvgis" if first.lower().startswith(b"latitude") else "tmy3"
    raise WeatherError(
        "unknown_format",
        f"{path.name}: give an .epw, a TMY3 .csv or a PVGIS TMY .csv/.json file",
        field="weather",
    )


def read_weather(path: str | Path, fmt: str | None = None) -> pd.DataFrame:
    """Read a user's weather file with :mod:`pvlib.iotools`.

    Parameters
    ----------
    path : str or Path
        An EnergyPlus EPW file (``read_epw``), an NSRDB TMY3 CSV (``read_tmy3``) or a PVGIS
        TMY file, CSV or JSON (``read_pvgis_tmy``).
    fmt : {"epw", "tmy3", "pvgis"}, optional
        The format; guessed from the suffix and the first line when not given.

    Returns
    -------
    pandas.DataFrame
        ``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s] with the
        file's own timestamps (EPW and TMY3: local standard time, end of each hour; PVGIS:
        UTC), and ``attrs`` ``latitude``, ``longitude``, ``altitude``, ``tz``, ``source``.

    Raises
    ------
    WeatherError
        Missing file, unknown format, unreadable content, missing columns, or missing or
        impossible irradiance values.
    """
    path = Path(path)
    if not path.is_file():
        raise WeatherError("no_file", f"{path} is not a file", field="weather")
    fmt = fmt or _sniff(path)
    iotools = pvlib.iotools
    try:
        if fmt == "epw":
            data, meta = iotools.read_epw(path)
            site = (meta["latitude"], meta["longitude"], meta["altitude"])
        elif fmt == "tmy3":
            data, meta = iotools.read_tmy3(path, map_variables=True)
            site = (meta["latitude"], meta["longitude"], meta["altitude"])
        elif fmt == "pvgis":
            data, meta = iotools.read_pvgis_tmy(path, map_variables=True)
            inputs = meta["inputs"]
            where = inputs.get("location", inputs)
            site = (where["latitude"], where["longitude"], where["elevation"])
        else:
            raise WeatherError("unknown_format", f"unknown weather format {fmt!r}", field="fmt")
    except WeatherError:
        raise
    except Exception as exc:  # pvlib raises many kinds on a malformed file
        raise WeatherError(
            "unreadable", f"{path.name}: cannot read as {fmt}: {exc}", field="weather"
        ) from exc
    missing = [c for c in WEATHER_COLUMNS if c not in data.columns]
    if missing:
        raise WeatherError("missing_columns", f"{path.name}: no {', '.join(missing)}")
    out = data.loc[:, list(WEATHER_COLUMNS)].astype(float)
    irradiance = out[["ghi", "dni", "dhi"]].to_numpy()
    bad = ~np.isfinite(irradiance) | (irradiance < 0) | (irradiance > MAX_IRRADIANCE_W_PER_M2)
    if bad.any():
        raise WeatherError(
            "bad_irradiance",
            f"{path.name}: {int(bad.any(axis=1).sum())} rows with missing or impossible "
            f"irradiance (outside 0–{MAX_IRRADIANCE_W_PER_M2:.0f} W/m²)",
        )
    out.attrs.update(
        latitude=float(site[0]),
        longitude=float(site[1]),
        altitude=float(site[2]),
        tz=tz_label(out.index),
        source=f"{fmt} file {path.name}",
    )
    return out


def tz_label(index: pd.DatetimeIndex) -> str | float:
    """The index's time zone as pvlib's ``Location`` takes it: an IANA name (``"UTC"``,
    ``"Asia/Shanghai"``), or a fixed offset in hours (EPW and TMY3 files, e.g. ``-9.0``)."""
    tz = index.tz
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if key:
        return str(key)
    if str(tz) == "UTC":
        return "UTC"
    return index[0].utcoffset().total_seconds() / 3_600.0


def site_of(weather: pd.DataFrame) -> tuple[float, float, float]:
    """``(latitude_deg, longitude_deg, altitude_m)`` from a weather table's ``attrs``."""
    try:
        return (
            float(weather.attrs["latitude"]),
            float(weather.attrs["longitude"]),
            float(weather.attrs.get("altitude", 0.0)),
        )
    except KeyError:
        raise WeatherError(
            "no_site", "the weather table has no latitude/longitude in attrs; pass them"
        ) from None


def check_weather(weather: pd.DataFrame) -> None:
    """Raise :class:`WeatherError` unless ``weather`` is a usable weather table."""
    if not isinstance(weather.index, pd.DatetimeIndex) or weather.index.tz is None:
        raise WeatherError("naive_index", "weather needs a time-zone-aware DatetimeIndex")
    missing = [c for c in WEATHER_COLUMNS if c not in weather.columns]
    if missing:
        raise WeatherError("missing_columns", f"weather has no {', '.join(missing)}")
    values = weather[list(WEATHER_COLUMNS)].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise WeatherError("missing_values", "weather has missing values")
