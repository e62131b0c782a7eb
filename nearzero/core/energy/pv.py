"""PV yield assessment: the PVWatts chain of pvlib's ``ModelChain.with_pvwatts``, vectorised
over systems, with capacity from roof area, avoided CO2 from the shipped factor registry and
a simple payback.

The chain, for every hour *t* and system *s* (arrays of shape ``(hours, systems)``):

1. sun position once per site (``pvlib.solarposition``, NREL SPA in numpy, with the site's
   pressure and the hour's air temperature for refraction), relative air mass
   (Kasten & Young 1989) and extraterrestrial DNI (Spencer 1971);
2. plane-of-array irradiance with ``pvlib.irradiance.get_total_irradiance``: Perez 1990
   sky diffuse ("allsitescomposite1990"), isotropic ground reflection with albedo 0.25, beam
   ``DNI·cos AOI``;
3. reflection loss on the beam only, ``pvlib.iam.physical`` (Fresnel/Snell, n = 1.526,
   K = 4 m⁻¹, L = 2 mm); no spectral loss; effective irradiance
   ``E = E_beam·IAM + E_diffuse``;
4. cell temperature, SAPM (King et al. 2004) from POA global, air temperature and wind;
5. DC power, ``pvlib.pvsystem.pvwatts_dc``: ``P_dc = P_dc0·E/1000·(1 + γ(T_cell − 25))``,
   then the PVWatts system losses ``P_dc·(1 − L/100)``;
6. AC power, ``pvlib.inverter.pvwatts``: PVWatts part-load efficiency curve, clipped at
   ``P_ac0 = P_dc0 / (DC/AC ratio)``; missing values become 0.

These are the defaults of ``pvlib.modelchain.PVWATTS_CONFIG`` (``dc_model='pvwatts'``,
``ac_model='pvwatts'``, ``losses_model='pvwatts'``, ``transposition_model='perez'``,
``aoi_model='physical'``, ``spectral_model='no_loss'``, ``temperature_model='sapm'``) with
``ModelChain.with_pvwatts``'s ``airmass_model='kastenyoung1989'``, and of the ``PVSystem`` /
``Array`` / ``Location`` methods the chain calls (albedo 0.25, ``dni_extra`` from the
timestamps, ``nrel_numpy`` solar position). ``tests/test_pv_core.py`` checks the agreement.
Hours with no irradiance at all are skipped: every step gives exactly 0 W there.

References
----------
.. [1] A. P. Dobos (2014). PVWatts Version 5 Manual. NREL/TP-6A20-62641.
   doi:10.2172/1158421.
.. [2] R. Perez, P. Ineichen, R. Seals, J. Michalsky, R. Stewart (1990). Modeling daylight
   availability and irradiance components from direct and global irradiance. Solar Energy
   44(5), 271–289. doi:10.1016/0038-092X(90)90055-H.
.. [3] D. L. King, W. E. Boyson, J. A. Kratochvil (2004). Photovoltaic Array Performance
   Model. SAND2004-3535. doi:10.2172/919131.
.. [4] W. De Soto, S. A. Klein, W. A. Beckman (2006). Improvement and validation of a model
   for photovoltaic array performance. Solar Energy 80(1), 78–88.
   doi:10.1016/j.solener.2005.06.010.
.. [5] F. Kasten, A. T. Young (1989). Revised optical air mass tables and approximation
   formula. Applied Optics 28(22), 4735–4738. doi:10.1364/AO.28.004735.
.. [6] I. Reda, A. Andreas (2004). Solar position algorithm for solar radiation
   applications. Solar Energy 76(5), 577–589. doi:10.1016/j.solener.2003.12.003.
.. [7] NREL System Advisor Model, ``ssc/cmod_pvwattsv8.cpp`` (PVWatts v8 module types:
   "standard" γ = −0.37 %/°C and 19 % efficiency; inverter nominal efficiency 96 %).
.. [8] P. Gagnon, R. Margolis, J. Melius, C. Phillips, R. Elmore (2016). Rooftop Solar
   Photovoltaic Technical Potential in the United States: A Detailed Assessment.
   NREL/TP-6A20-65298. doi:10.2172/1236153.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib

from nearzero.core.errors import DomainError
from nearzero.core.ghg import calc, registry

from . import solar

#: PVWatts total system losses [%]: the PVWatts default loss categories (Dobos 2014: soiling
#: 2, shading 3, snow 0, mismatch 2, wiring 2, connections 0.5, LID 1.5, nameplate 1, age 0,
#: availability 3) combined multiplicatively as ``pvlib.pvsystem.pvwatts_losses()`` does
#: → 14.08 %, the "system losses" default of the PVWatts web calculator.
DEFAULT_LOSSES_PCT = 14.08
#: Inverter nominal efficiency [–]: PVWatts default 96 % (Dobos 2014; SAM
#: ``cmod_pvwattsv8.cpp`` ``inv_eff ?=96``), ``pvlib.inverter.pvwatts`` ``eta_inv_nom``.
DEFAULT_ETA_INV_NOM = 0.96
#: Reference inverter efficiency of the PVWatts curve [–] (Dobos 2014;
#: ``pvlib.inverter.pvwatts`` ``eta_inv_ref``; SAM ``cmod_pvwattsv8.cpp`` ``etaref``).
ETA_INV_REF = 0.9637
#: DC to AC ratio [–]: the PVWatts web calculator's default "DC to AC size ratio" 1.2. The
#: PVWatts v5 manual (Dobos 2014) and SAM's ``pvwattsv8`` module called directly use 1.1.
DEFAULT_DC_AC_RATIO = 1.2
#: Power temperature coefficient [1/°C]: PVWatts v8 "standard" module (SAM
#: ``cmod_pvwattsv8.cpp``, ``module.gamma = -0.0037``).
DEFAULT_GAMMA_PDC_PER_C = -0.0037
#: Ground albedo [–]: pvlib ``Array`` default (``pvlib.albedo.SURFACE_ALBEDOS`` fallback 0.25),
#: which ``ModelChain`` uses when the weather has no albedo.
DEFAULT_ALBEDO = 0.25
#: Module power per module area at STC [W/m²]: PVWatts v8 "standard" module efficiency 19 %
#: × 1000 W/m² (SAM ``cmod_pvwattsv8.cpp``, ``module.stc_eff = 0.19``).
DEFAULT_MODULE_W_PER_M2 = 190.0
#: Module area per gross usable roof area [–]: 0.70, the ground coverage ratio NREL's rooftop
#: technical potential study assumes for flat roofs with tilted rows (Gagnon et al. 2016)
#: [confirm the table before quoting it]. Flush modules on pitched roofs pack denser (the
#: same study uses about 0.98); pass ``packing_factor`` for them.
DEFAULT_PACKING_FACTOR = 0.70
#: SAPM thermal parameters: ``open_rack_glass_polymer`` (King et al. 2004), matching
#: PVWatts's default "fixed (open rack)" mounting of a glass/polymer-backsheet module.
DEFAULT_TEMPERATURE_MODEL = "open_rack_glass_polymer"
#: Relative air mass model of ``ModelChain.with_pvwatts``.
AIRMASS_MODEL = "kastenyoung1989"
#: Sky diffuse transposition of ``pvlib.modelchain.PVWATTS_CONFIG``.
TRANSPOSITION_MODEL = "perez"
#: Systems evaluated together: each intermediate array is then a few MB (64 × ~4,400 lit
#: hours × 8 bytes), which measured fastest; larger chunks spill the CPU cache.
CHUNK_SYSTEMS = 64

KG_PER_T = 1_000.0
W_PER_KW = 1_000.0


class PVError(DomainError, ValueError):
    """A PV input that cannot be used (stable ``code``, the input in ``field``)."""


@dataclass(frozen=True)
class PVSystemSpec:
    """One fixed-tilt grid-connected PV system (PVWatts inputs).

    Attributes
    ----------
    kwp : float
        DC nameplate at STC [kWp].
    tilt_deg : float
        Surface tilt from horizontal [°], 0–90.
    azimuth_deg : float
        Surface azimuth clockwise from north [°], 180 = south.
    losses_pct : float, default :data:`DEFAULT_LOSSES_PCT`
        PVWatts total DC system losses [%].
    dc_ac_ratio : float, default :data:`DEFAULT_DC_AC_RATIO`
    eta_inv_nom : float, default :data:`DEFAULT_ETA_INV_NOM`
    gamma_pdc_per_c : float, default :data:`DEFAULT_GAMMA_PDC_PER_C`
    albedo : float, default :data:`DEFAULT_ALBEDO`
    temperature_model : str, default :data:`DEFAULT_TEMPERATURE_MODEL`
        A key of ``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]``.
    name : str
    """

    kwp: float
    tilt_deg: float
    azimuth_deg: float
    losses_pct: float = DEFAULT_LOSSES_PCT
    dc_ac_ratio: float = DEFAULT_DC_AC_RATIO
    eta_inv_nom: float = DEFAULT_ETA_INV_NOM
    gamma_pdc_per_c: float = DEFAULT_GAMMA_PDC_PER_C
    albedo: float = DEFAULT_ALBEDO
    temperature_model: str = DEFAULT_TEMPERATURE_MODEL
    name: str = ""

    @property
    def ac_kw(self) -> float:
        """Inverter AC rating ``P_ac0 = P_dc0 / (DC/AC)`` [kW]."""
        return self.kwp / self.dc_ac_ratio

    @property
    def inverter_pdc0_kw(self) -> float:
        """Inverter DC input at rated AC output ``P_ac0 / η_nom`` [kW] (Dobos 2014)."""
        return self.ac_kw / self.eta_inv_nom


@dataclass(frozen=True)
class Roof:
    """A candidate roof: gross area, orientation and its own shading loss."""

    area_m2: float
    tilt_deg: float
    azimuth_deg: float
    #: Annual shading loss of this roof [%], replacing PVWatts's default 3 % shading
    #: component of the system losses.
    shading_loss_pct: float = 3.0
    name: str = ""


def kwp_from_area(
    area_m2: float | np.ndarray,
    packing_factor: float = DEFAULT_PACKING_FACTOR,
    module_w_per_m2: float = DEFAULT_MODULE_W_PER_M2,
) -> float | np.ndarray:
    """DC nameplate that fits on a roof: ``area × packing × module power density`` [kWp].

    Parameters
    ----------
    area_m2 : float or array
        Gross usable roof area [m²].
    packing_factor : float, default :data:`DEFAULT_PACKING_FACTOR`
        Module area per roof area [–] (Gagnon et al. 2016).
    module_w_per_m2 : float, default :data:`DEFAULT_MODULE_W_PER_M2`
        STC power per module area [W/m²] (PVWatts v8 standard module, 19 %).
    """
    return np.asarray(area_m2, dtype=float) * packing_factor * module_w_per_m2 / W_PER_KW


def losses_with_shading_pct(shading_loss_pct: float | np.ndarray) -> float | np.ndarray:
    """PVWatts total losses with a roof's own shading loss in place of the 3 % default [%].

    ``pvlib.pvsystem.pvwatts_losses`` combines the categories multiplicatively:
    ``L = 100·(1 − Π(1 − L_i/100))`` (Dobos 2014).
    """
    return pvlib.pvsystem.pvwatts_losses(shading=np.asarray(shading_loss_pct, dtype=float))


def system_for_roof(
    roof: Roof,
    packing_factor: float = DEFAULT_PACKING_FACTOR,
    module_w_per_m2: float = DEFAULT_MODULE_W_PER_M2,
) -> PVSystemSpec:
    """The PVWatts system a roof can carry (see :func:`kwp_from_area`)."""
    if not roof.area_m2 > 0:
        raise PVError("bad_area", "roof area must be > 0 m²", field="area_m2")
    if not 0 <= roof.shading_loss_pct < 100:
        raise PVError("bad_shading", "shading loss must be within 0–100 %", field="shading")
    return PVSystemSpec(
        kwp=float(kwp_from_area(roof.area_m2, packing_factor, module_w_per_m2)),
        tilt_deg=roof.tilt_deg,
        azimuth_deg=roof.azimuth_deg,
        losses_pct=float(losses_with_shading_pct(roof.shading_loss_pct)),
        name=roof.name,
    )


def check_system(spec: PVSystemSpec) -> None:
    """Raise :class:`PVError` unless ``spec`` is physically meaningful."""
    checks = [
        (spec.kwp > 0, "bad_kwp", "kwp", "capacity must be > 0 kWp"),
        (0 <= spec.tilt_deg <= 90, "bad_tilt", "tilt", "tilt must be within 0–90°"),
        (0 <= spec.azimuth_deg <= 360, "bad_azimuth", "azimuth", "azimuth must be within 0–360°"),
        (0 <= spec.losses_pct < 100, "bad_losses", "losses", "losses must be within 0–100 %"),
        (spec.dc_ac_ratio > 0, "bad_dc_ac_ratio", "dc_ac_ratio", "DC/AC ratio must be > 0"),
        (0 < spec.eta_inv_nom <= 1, "bad_eta_inv", "eta_inv_nom", "η_inv must be within 0–1"),
        (0 <= spec.albedo <= 1, "bad_albedo", "albedo", "albedo must be within 0–1"),
        (
            spec.temperature_model in pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"],
            "bad_temperature_model",
            "temperature_model",
            f"unknown SAPM temperature model {spec.temperature_model!r}",
        ),
    ]
    for ok, code, fld, message in checks:
        if not ok:
            raise PVError(code, message, field=fld)


@dataclass(frozen=True)
class SunGeometry:
    """Everything that depends on the site and the hour but not on the system."""

    apparent_zenith_deg: np.ndarray
    azimuth_deg: np.ndarray
    airmass_relative: np.ndarray
    dni_extra_w_per_m2: np.ndarray


def sun_geometry(
    times: pd.DatetimeIndex,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float = 0.0,
    temp_air_c: np.ndarray | float = 12.0,
) -> SunGeometry:
    """Sun position, relative air mass and extraterrestrial DNI, once per site.

    As ``ModelChain.prepare_inputs`` does: ``pvlib.solarposition.get_solarposition``
    (``nrel_numpy``) with the pressure of the site's altitude (``atmosphere.alt2pres``) and the
    hour's air temperature; ``atmosphere.get_relative_airmass`` on the apparent zenith
    (Kasten & Young 1989); ``irradiance.get_extra_radiation`` (Spencer 1971).
    """
    position = pvlib.solarposition.get_solarposition(
        times,
        latitude_deg,
        longitude_deg,
        altitude=altitude_m,
        pressure=pvlib.atmosphere.alt2pres(altitude_m),
        temperature=temp_air_c,
        method="nrel_numpy",
    )
    zenith = position["apparent_zenith"].to_numpy(dtype=float)
    return SunGeometry(
        apparent_zenith_deg=zenith,
        azimuth_deg=position["azimuth"].to_numpy(dtype=float),
        airmass_relative=np.asarray(
            pvlib.atmosphere.get_relative_airmass(zenith, model=AIRMASS_MODEL), dtype=float
        ),
        dni_extra_w_per_m2=np.asarray(pvlib.irradiance.get_extra_radiation(times), dtype=float),
    )


@dataclass(frozen=True)
class SystemColumns:
    """A fleet as columns (one value per system), the shape the vectorised chain needs."""

    kwp: np.ndarray
    tilt_deg: np.ndarray
    azimuth_deg: np.ndarray
    losses_pct: np.ndarray
    dc_ac_ratio: np.ndarray
    eta_inv_nom: np.ndarray
    gamma_pdc_per_c: np.ndarray
    albedo: np.ndarray
    sapm_a: np.ndarray
    sapm_b: np.ndarray
    sapm_delta_t: np.ndarray

    @classmethod
    def from_specs(cls, specs: Sequence[PVSystemSpec]) -> SystemColumns:
        for spec in specs:
            check_system(spec)
        sapm = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]

        def col(values: Iterable[float]) -> np.ndarray:
            return np.fromiter(values, dtype=float, count=len(specs))

        return cls(
            kwp=col(s.kwp for s in specs),
            tilt_deg=col(s.tilt_deg for s in specs),
            azimuth_deg=col(s.azimuth_deg for s in specs),
            losses_pct=col(s.losses_pct for s in specs),
            dc_ac_ratio=col(s.dc_ac_ratio for s in specs),
            eta_inv_nom=col(s.eta_inv_nom for s in specs),
            gamma_pdc_per_c=col(s.gamma_pdc_per_c for s in specs),
            albedo=col(s.albedo for s in specs),
            sapm_a=col(sapm[s.temperature_model]["a"] for s in specs),
            sapm_b=col(sapm[s.temperature_model]["b"] for s in specs),
            sapm_delta_t=col(sapm[s.temperature_model]["deltaT"] for s in specs),
        )

    def __len__(self) -> int:
        return len(self.kwp)

    def take(self, sl: slice) -> SystemColumns:
        return SystemColumns(**{k: getattr(self, k)[sl] for k in self.__dataclass_fields__})


@dataclass(frozen=True)
class LitPower:
    """AC power of every system in the hours with any irradiance (all other hours are 0 W)."""

    rows: np.ndarray  # (lit hours,) positions in the weather table
    ac_w: np.ndarray  # (lit hours, systems) AC power [W], mean over each interval
    poa_global_sum_w_per_m2: np.ndarray  # (systems,) Σ POA global over all hours [W/m² · h]
    poa_w: np.ndarray | None = None  # (lit hours, systems) POA global [W/m²], if kept

    def full_ac_w(self, n_hours: int) -> np.ndarray:
        """AC power for every hour, shape (hours, systems) [W]."""
        out = np.zeros((n_hours, self.ac_w.shape[1]))
        out[self.rows] = self.ac_w
        return out


def ac_power_w(
    weather: pd.DataFrame,
    geometry: SunGeometry,
    systems: SystemColumns,
    *,
    keep_poa: bool = False,
) -> LitPower:
    """AC power of every system, hour by hour, in the hours with irradiance.

    Hours with ``ghi = dni = dhi = 0`` give exactly 0 W in every step of the chain (and
    ``ModelChain`` turns its NaNs there into 0), so they are not computed.
    """
    n_s = len(systems)
    ghi = weather["ghi"].to_numpy(dtype=float)
    dni = weather["dni"].to_numpy(dtype=float)
    dhi = weather["dhi"].to_numpy(dtype=float)
    rows = np.flatnonzero((ghi > 0) | (dni > 0) | (dhi > 0))

    def hourly(values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=float)[rows, None]

    zenith, sun_az = hourly(geometry.apparent_zenith_deg), hourly(geometry.azimuth_deg)
    airmass, dni_extra = hourly(geometry.airmass_relative), hourly(geometry.dni_extra_w_per_m2)
    ghi_t, dni_t, dhi_t = hourly(ghi), hourly(dni), hourly(dhi)
    temp_air = hourly(weather["temp_air"].to_numpy(dtype=float))
    wind = hourly(weather["wind_speed"].to_numpy(dtype=float))
    ac = np.empty((len(rows), n_s))
    poa_sum = np.empty(n_s)
    poa = np.empty((len(rows), n_s)) if keep_poa else None

    for start in range(0, n_s, CHUNK_SYSTEMS):
        sl = slice(start, min(start + CHUNK_SYSTEMS, n_s))
        sys = systems.take(sl)
        tilt, surf_az = sys.tilt_deg[None, :], sys.azimuth_deg[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            irrad = pvlib.irradiance.get_total_irradiance(
                tilt,
                surf_az,
                zenith,
                sun_az,
                dni_t,
                ghi_t,
                dhi_t,
                dni_extra=dni_extra,
                airmass=airmass,
                albedo=sys.albedo[None, :],
                model=TRANSPOSITION_MODEL,
            )
            aoi = pvlib.irradiance.aoi(tilt, surf_az, zenith, sun_az)
            effective = irrad["poa_direct"] * pvlib.iam.physical(aoi) + irrad["poa_diffuse"]
            temp_cell = pvlib.temperature.sapm_cell(
                irrad["poa_global"],
                temp_air,
                wind,
                sys.sapm_a[None, :],
                sys.sapm_b[None, :],
                sys.sapm_delta_t[None, :],
            )
            dc = pvlib.pvsystem.pvwatts_dc(
                effective,
                temp_cell,
                sys.kwp[None, :] * W_PER_KW,
                sys.gamma_pdc_per_c[None, :],
            )
            dc *= (100.0 - sys.losses_pct[None, :]) / 100.0
            inverter_pdc0_w = sys.kwp * W_PER_KW / sys.dc_ac_ratio / sys.eta_inv_nom
            ac_chunk = pvlib.inverter.pvwatts(
                dc,
                inverter_pdc0_w[None, :],
                eta_inv_nom=sys.eta_inv_nom[None, :],
                eta_inv_ref=ETA_INV_REF,
            )
        ac[:, sl] = np.where(np.isnan(ac_chunk), 0.0, ac_chunk)
        poa_sum[sl] = np.nansum(irrad["poa_global"], axis=0)
        if poa is not None:
            poa[:, sl] = np.nan_to_num(np.asarray(irrad["poa_global"], dtype=float))
    return LitPower(rows, ac, poa_sum, poa)


@dataclass
class FleetYield:
    """Energy of every system of a fleet over one weather table."""

    kwp: np.ndarray  # (systems,) [kWp]
    monthly_kwh: np.ndarray  # (12, systems) [kWh], January first
    annual_kwh: np.ndarray  # (systems,) [kWh]
    poa_kwh_per_m2: np.ndarray  # (systems,) annual POA global insolation [kWh/m²]
    index: pd.DatetimeIndex
    hourly_ac_kw: np.ndarray | None = None  # (hours, systems) [kW], if kept
    hourly_poa_w_per_m2: np.ndarray | None = None  # (hours, systems) POA global, if kept

    @property
    def specific_yield_kwh_per_kwp(self) -> np.ndarray:
        """Final yield ``Y_f = E_ac / P_0`` [kWh/kWp] (IEC 61724-1)."""
        return self.annual_kwh / self.kwp

    @property
    def performance_ratio(self) -> np.ndarray:
        """``PR = Y_f / Y_r``, ``Y_r = H_poa / 1 kW/m²`` [–] (IEC 61724-1)."""
        return self.specific_yield_kwh_per_kwp / self.poa_kwh_per_m2


def simulate_fleet(
    weather: pd.DataFrame,
    systems: Sequence[PVSystemSpec] | SystemColumns,
    *,
    latitude_deg: float | None = None,
    longitude_deg: float | None = None,
    altitude_m: float | None = None,
    keep_hourly: bool = False,
) -> FleetYield:
    """Monthly and annual AC energy of many systems at one site.

    Parameters
    ----------
    weather : pandas.DataFrame
        A weather table (:mod:`nearzero.core.energy.solar`): ``ghi``, ``dni``, ``dhi``
        [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s], aware timestamps.
    systems : sequence of PVSystemSpec, or SystemColumns
    latitude_deg, longitude_deg, altitude_m : float, optional
        The site; default ``weather.attrs``.
    keep_hourly : bool, default False
        Keep the hourly AC power matrix (hours × systems, 8 bytes per value).

    Returns
    -------
    FleetYield
        Energy per interval is mean power × the interval (the index's usual spacing); the
        month of an interval is the month of its timestamp.
    """
    solar.check_weather(weather)
    if latitude_deg is None and longitude_deg is None:
        lat, lon, alt = solar.site_of(weather)
    elif latitude_deg is None or longitude_deg is None:
        raise PVError("no_site", "give both latitude and longitude", field="latitude")
    else:
        lat, lon, alt = latitude_deg, longitude_deg, float(weather.attrs.get("altitude", 0.0))
    if altitude_m is not None:
        alt = altitude_m
    cols = systems if isinstance(systems, SystemColumns) else SystemColumns.from_specs(systems)
    if not len(cols):
        raise PVError("no_systems", "the fleet has no systems")
    geometry = sun_geometry(weather.index, lat, lon, alt, weather["temp_air"].to_numpy(dtype=float))
    lit = ac_power_w(weather, geometry, cols, keep_poa=keep_hourly)
    step_h = solar.interval_hours(weather.index)
    month_idx = weather.index.month.to_numpy()[lit.rows] - 1
    onehot = np.zeros((12, len(lit.rows)))
    onehot[month_idx, np.arange(len(lit.rows))] = 1.0
    monthly_kwh = onehot @ lit.ac_w * (step_h / W_PER_KW)
    return FleetYield(
        kwp=cols.kwp.copy(),
        monthly_kwh=monthly_kwh,
        annual_kwh=monthly_kwh.sum(axis=0),
        poa_kwh_per_m2=lit.poa_global_sum_w_per_m2 * step_h / W_PER_KW,
        index=weather.index,
        hourly_ac_kw=lit.full_ac_w(len(weather)) / W_PER_KW if keep_hourly else None,
        hourly_poa_w_per_m2=_full(lit.poa_w, lit.rows, len(weather)) if keep_hourly else None,
    )


def _full(lit_values: np.ndarray, rows: np.ndarray, n_hours: int) -> np.ndarray:
    out = np.zeros((n_hours, lit_values.shape[1]))
    out[rows] = lit_values
    return out


# --- Grid factor, avoided CO2, payback ------------------------------------------------------


def newest_cn_factor_set() -> str:
    """The shipped ``cn-*`` factor set with the newest grid data year."""
    sets = registry.shipped_factor_sets()
    return max((s["grid_data_year"], code) for code, s in sets.items() if code.startswith("cn-"))[1]


@dataclass(frozen=True)
class GridFactor:
    """The location-based grid factor an avoided-CO2 figure used."""

    factor: calc.Factor
    factor_set: str
    geography: str  # province, grid_region or national: where the factor came from

    @property
    def kgco2_per_kwh(self) -> float:
        return self.factor.kg_per_unit

    def as_dict(self) -> dict:
        f = self.factor
        return {
            "id": f.id,
            "value": f.value,
            "unit": f.unit,
            "source": f.source,
            "series": f.series,
            "geography_level": f.geography_level,
            "geography_code": f.geography_code,
            "data_year": f.data_year,
            "factor_set": self.factor_set,
        }


def grid_factor(
    *,
    province: str = "",
    grid_region: str = "",
    year: int | None = None,
    factor_set: str | None = None,
) -> GridFactor:
    """The grid electricity CO2 factor for a place, from the shipped registry.

    The factor set is ``factor_set``, else the newest ``cn-*`` set whose grid data year is not
    after ``year`` (:func:`nearzero.core.ghg.registry.default_set_for_year`), else the newest
    ``cn-*`` set. Within the set the most specific location-based factor wins: province →
    grid region → national (:func:`nearzero.core.ghg.calc.resolve_factors`).

    Parameters
    ----------
    province : str
        GB/T 2260 code, e.g. ``"510000"`` (Sichuan).
    grid_region : str
        ``north``, ``northeast``, ``east``, ``central``, ``northwest``, ``south`` or
        ``southwest``.
    """
    sets = registry.shipped_factor_sets()
    if factor_set is None:
        factor_set = registry.default_set_for_year(year) if year else newest_cn_factor_set()
    if factor_set not in sets:
        raise PVError("unknown_factor_set", f"unknown factor set {factor_set!r}", field="year")
    by_id = {f["id"]: f for f in registry.shipped_factors()}
    candidates = [
        registry.to_factor(by_id[i])
        for i in sets[factor_set]["factors"]
        if by_id[i]["activity_type"] == "electricity_grid"
    ]
    resolution = calc.resolve_factors(candidates, province=province, grid_region=grid_region)
    co2 = [f for f in resolution.by_type.get("electricity_grid", []) if f.gas == "CO2"]
    if not co2:
        raise PVError("no_grid_factor", f"factor set {factor_set} has no grid CO2 factor")
    return GridFactor(co2[0], factor_set, resolution.geography["electricity_grid"])


def avoided_tco2e(annual_kwh: float | np.ndarray, factor: GridFactor) -> float | np.ndarray:
    """Grid emissions displaced by the generation: ``E × EF / 1000`` [tCO2].

    A location-based average-factor estimate (GHG Protocol Scope 2 Guidance, location-based
    method): every kWh generated is taken to displace one kWh of average grid supply. It is
    information beside an inventory, never subtracted from its gross total
    (``docs/algorithms/ghg-inventory.md``).
    """
    return np.asarray(annual_kwh, dtype=float) * factor.kgco2_per_kwh / KG_PER_T


def simple_payback_years(
    capex_cny: float | np.ndarray,
    annual_kwh: float | np.ndarray,
    tariff_cny_per_kwh: float,
) -> float | np.ndarray:
    """Simple payback ``capex / (annual energy × tariff)`` [years]: no discounting,
    degradation, O&M or tariff change. ``inf`` when the system earns nothing."""
    savings = np.asarray(annual_kwh, dtype=float) * tariff_cny_per_kwh
    with np.errstate(divide="ignore"):
        return np.where(savings > 0, np.asarray(capex_cny, dtype=float) / savings, np.inf)


@dataclass(frozen=True)
class Assessment:
    """One system's assessment."""

    name: str
    kwp: float
    tilt_deg: float
    azimuth_deg: float
    losses_pct: float
    annual_kwh: float
    monthly_kwh: tuple[float, ...]
    specific_yield_kwh_per_kwp: float
    performance_ratio: float
    poa_kwh_per_m2: float
    avoided_tco2e: float
    factor: GridFactor
    capex_cny: float | None = None
    annual_savings_cny: float | None = None
    payback_years: float | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kwp": self.kwp,
            "tilt_deg": self.tilt_deg,
            "azimuth_deg": self.azimuth_deg,
            "losses_pct": self.losses_pct,
            "annual_kwh": self.annual_kwh,
            "monthly_kwh": list(self.monthly_kwh),
            "specific_yield_kwh_per_kwp": self.specific_yield_kwh_per_kwp,
            "performance_ratio": self.performance_ratio,
            "poa_kwh_per_m2": self.poa_kwh_per_m2,
            "avoided_tco2e": self.avoided_tco2e,
            "factor_used": self.factor.as_dict(),
            "capex_cny": self.capex_cny,
            "annual_savings_cny": self.annual_savings_cny,
            "payback_years": self.payback_years,
        }


def assess_fleet(
    weather: pd.DataFrame,
    systems: Sequence[PVSystemSpec],
    factor: GridFactor,
    *,
    tariff_cny_per_kwh: float | None = None,
    capex_cny_per_kwp: float | None = None,
    latitude_deg: float | None = None,
    longitude_deg: float | None = None,
    altitude_m: float | None = None,
) -> list[Assessment]:
    """Assess every system: energy, specific yield, avoided CO2 and (with a tariff and a
    capex per kWp, both from the caller) simple payback."""
    if (tariff_cny_per_kwh is None) != (capex_cny_per_kwp is None):
        raise PVError("payback_inputs", "payback needs both a tariff and a capex per kWp")
    if tariff_cny_per_kwh is not None and not tariff_cny_per_kwh > 0:
        raise PVError("bad_tariff", "tariff must be > 0 CNY/kWh", field="tariff")
    if capex_cny_per_kwp is not None and not capex_cny_per_kwp >= 0:
        raise PVError("bad_capex", "capex must be ≥ 0 CNY/kWp", field="capex")
    result = simulate_fleet(
        weather,
        systems,
        latitude_deg=latitude_deg,
        longitude_deg=longitude_deg,
        altitude_m=altitude_m,
    )
    avoided = avoided_tco2e(result.annual_kwh, factor)
    out = []
    for i, spec in enumerate(systems):
        annual = float(result.annual_kwh[i])
        capex = savings = payback = None
        if tariff_cny_per_kwh is not None and capex_cny_per_kwp is not None:
            capex = capex_cny_per_kwp * spec.kwp
            savings = annual * tariff_cny_per_kwh
            payback = float(simple_payback_years(capex, annual, tariff_cny_per_kwh))
        out.append(
            Assessment(
                name=spec.name,
                kwp=spec.kwp,
                tilt_deg=spec.tilt_deg,
                azimuth_deg=spec.azimuth_deg,
                losses_pct=spec.losses_pct,
                annual_kwh=annual,
                monthly_kwh=tuple(float(v) for v in result.monthly_kwh[:, i]),
                specific_yield_kwh_per_kwp=float(result.specific_yield_kwh_per_kwp[i]),
                performance_ratio=float(result.performance_ratio[i]),
                poa_kwh_per_m2=float(result.poa_kwh_per_m2[i]),
                avoided_tco2e=float(avoided[i]),
                factor=factor,
                capex_cny=capex,
                annual_savings_cny=savings,
                payback_years=payback,
            )
        )
    return out


def assess(
    weather: pd.DataFrame,
    system: PVSystemSpec,
    factor: GridFactor,
    **kwargs,
) -> Assessment:
    """:func:`assess_fleet` for one system."""
    return assess_fleet(weather, [system], factor, **kwargs)[0]


def model_description() -> str:
    """A one-line description of the chain, for reports and the CLI."""
    return (
        f"pvlib {pvlib.__version__} PVWatts chain as ModelChain.with_pvwatts: NREL SPA, "
        "Perez 1990 transposition, physical IAM, SAPM cell temperature "
        f"({DEFAULT_TEMPERATURE_MODEL}), pvwatts_dc, PVWatts losses, PVWatts inverter"
    )
