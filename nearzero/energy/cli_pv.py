"""`nearzero pv …`: PV yield assessment from the command line, on the pure core only (no
Django, no database). pvlib is imported when a command runs, not when the CLI starts."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from nearzero.cli import CLIError, emit

GRID_REGIONS = ("north", "northeast", "east", "central", "northwest", "south", "southwest")
#: A weather file farther than this from the site is reported with a warning [km].
WEATHER_DISTANCE_WARN_KM = 50.0


def register(subparsers, common: argparse.ArgumentParser) -> None:
    pv = subparsers.add_parser("pv", parents=[common], help="rooftop PV yield (pvlib PVWatts)")
    sub = pv.add_subparsers(dest="pv_command", metavar="COMMAND", required=True)
    assess = sub.add_parser(
        "assess",
        parents=[common],
        help="annual and monthly yield, avoided CO2 and payback of one PV system",
        description="Model one fixed-tilt PV system with pvlib's PVWatts chain. Weather: a "
        "file (EPW, TMY3 or PVGIS TMY) or, without one, a synthetic year from the nearest "
        "shipped station's monthly irradiation (or --station). Avoided CO2 uses the shipped "
        "grid factor of the province, else the grid region, else the national average.",
    )
    assess.add_argument("--lat", type=float, required=True, help="site latitude [°N]")
    assess.add_argument("--lon", type=float, required=True, help="site longitude [°E]")
    assess.add_argument("--weather", type=Path, help="weather file: .epw, TMY3 .csv, PVGIS")
    assess.add_argument("--station", help="shipped station code, e.g. 58367 (Xujiahui)")
    assess.add_argument("--kwp", type=float, required=True, help="DC nameplate [kWp]")
    assess.add_argument("--tilt", type=float, required=True, help="tilt [°], 0–90")
    assess.add_argument("--azimuth", type=float, required=True, help="azimuth [°], 180 = south")
    assess.add_argument("--losses", type=float, help="system losses [%%] (default 14.08)")
    assess.add_argument("--province", default="", help="GB/T 2260 code, e.g. 510000")
    assess.add_argument("--grid-region", default="", help=", ".join(GRID_REGIONS))
    assess.add_argument("--year", type=int, help="factor data year (default: newest set)")
    assess.add_argument("--factor-set", help="shipped factor set code, e.g. cn-2022")
    assess.add_argument("--tariff", type=float, help="electricity value [CNY/kWh]")
    assess.add_argument("--capex", type=float, help="installed cost [CNY/kWp]")
    assess.add_argument("--format", choices=("text", "json"), default="text")
    assess.set_defaults(handler=cmd_assess)


def _check_inputs(args: argparse.Namespace) -> None:
    def finite(name: str, value: float | None) -> None:
        if value is not None and not math.isfinite(value):
            raise CLIError(f"--{name} must be a finite number")

    for name in ("lat", "lon", "kwp", "tilt", "azimuth", "losses", "tariff", "capex"):
        finite(name, getattr(args, name))
    if not -90 <= args.lat <= 90:
        raise CLIError(f"--lat {args.lat:g} is outside −90…90")
    if not -180 <= args.lon <= 180:
        raise CLIError(f"--lon {args.lon:g} is outside −180…180")
    if not args.kwp > 0:
        raise CLIError("--kwp must be > 0")
    if not 0 <= args.tilt <= 90:
        raise CLIError(f"--tilt {args.tilt:g} is outside 0–90°")
    if not 0 <= args.azimuth <= 360:
        raise CLIError(f"--azimuth {args.azimuth:g} is outside 0–360° (180 = south)")
    if args.losses is not None and not 0 <= args.losses < 100:
        raise CLIError(f"--losses {args.losses:g} is outside 0–100 %")
    if args.weather is not None and args.station:
        raise CLIError("give --weather or --station, not both")
    if args.weather is not None and not args.weather.is_file():
        raise CLIError(f"--weather {args.weather} is not a file")
    if (args.tariff is None) != (args.capex is None):
        raise CLIError("payback needs both --tariff and --capex")
    if args.tariff is not None and not args.tariff > 0:
        raise CLIError("--tariff must be > 0 CNY/kWh")
    if args.capex is not None and args.capex < 0:
        raise CLIError("--capex must be ≥ 0 CNY/kWp")
    if args.grid_region and args.grid_region not in GRID_REGIONS:
        raise CLIError(f"--grid-region must be one of {', '.join(GRID_REGIONS)}")
    if args.province and not (len(args.province) == 6 and args.province.isdigit()):
        raise CLIError("--province must be a 6-digit GB/T 2260 code, e.g. 510000")


def cmd_assess(args: argparse.Namespace) -> int:
    _check_inputs(args)
    from nearzero.core.energy import pv, solar
    from nearzero.core.geo import haversine_m

    warnings: list[str] = []
    try:
        if args.weather is not None:
            weather = solar.read_weather(args.weather)
            lat, lon, _alt = solar.site_of(weather)
            distance_km = haversine_m(args.lon, args.lat, lon, lat) / 1_000.0
            if distance_km > WEATHER_DISTANCE_WARN_KM:
                warnings.append(
                    f"the weather file is {distance_km:,.0f} km from the site; the yield is "
                    "that of the file's location"
                )
            weather_info = {
                "kind": "file",
                "source": weather.attrs["source"],
                "latitude": lat,
                "longitude": lon,
                "distance_km": round(distance_km, 1),
            }
        else:
            if args.station:
                st = solar.station(args.station)
                distance_km = (
                    haversine_m(args.lon, args.lat, st.longitude_deg, st.latitude_deg) / 1_000.0
                )
            else:
                st, distance_km = solar.nearest_station(args.lat, args.lon)
            if distance_km > 300:
                warnings.append(
                    f"the nearest shipped station, {st.code} {st.name}, is "
                    f"{distance_km:,.0f} km away; give --weather for this site"
                )
            # The station's monthly climate over the site's own sun path.
            weather = solar.station_year(st, latitude_deg=args.lat, longitude_deg=args.lon)
            weather_info = {
                "kind": "station_synthetic_year",
                "station": st.code,
                "station_name": st.name,
                "source": st.source,
                "distance_km": round(distance_km, 1),
            }
        spec = pv.PVSystemSpec(
            kwp=args.kwp,
            tilt_deg=args.tilt,
            azimuth_deg=args.azimuth,
            losses_pct=pv.DEFAULT_LOSSES_PCT if args.losses is None else args.losses,
        )
        factor = pv.grid_factor(
            province=args.province,
            grid_region=args.grid_region,
            year=args.year,
            factor_set=args.factor_set,
        )
        result = pv.assess(
            weather,
            spec,
            factor,
            tariff_cny_per_kwh=args.tariff,
            capex_cny_per_kwp=args.capex,
        )
    except (solar.WeatherError, pv.PVError) as exc:
        raise CLIError(str(exc)) from None

    data = {
        "annual_kwh": round(result.annual_kwh, 1),
        "monthly_kwh": [round(v, 1) for v in result.monthly_kwh],
        "specific_yield_kwh_per_kwp": round(result.specific_yield_kwh_per_kwp, 1),
        "performance_ratio": round(result.performance_ratio, 3),
        "poa_kwh_per_m2": round(result.poa_kwh_per_m2, 1),
        "avoided_tco2e": round(result.avoided_tco2e, 3),
        "factor_used": {**factor.as_dict(), "geography_used": factor.geography},
        "payback_years": None if result.payback_years is None else round(result.payback_years, 2),
        "annual_savings_cny": None
        if result.annual_savings_cny is None
        else round(result.annual_savings_cny, 0),
        "system": {
            "kwp": spec.kwp,
            "tilt_deg": spec.tilt_deg,
            "azimuth_deg": spec.azimuth_deg,
            "losses_pct": spec.losses_pct,
            "dc_ac_ratio": spec.dc_ac_ratio,
            "eta_inv_nom": spec.eta_inv_nom,
            "gamma_pdc_per_c": spec.gamma_pdc_per_c,
        },
        "site": {"latitude": args.lat, "longitude": args.lon},
        "weather": weather_info,
        "model": pv.model_description(),
        "warnings": warnings,
    }
    f = data["factor_used"]
    lines = [
        f"PV {spec.kwp:g} kWp, tilt {spec.tilt_deg:g}°, azimuth {spec.azimuth_deg:g}°, "
        f"losses {spec.losses_pct:g} %",
        f"weather: {weather_info['source']}",
        f"annual          {data['annual_kwh']:>12,.1f} kWh",
        f"specific yield  {data['specific_yield_kwh_per_kwp']:>12,.1f} kWh/kWp",
        f"avoided         {data['avoided_tco2e']:>12,.3f} tCO2 "
        f"({f['id']}: {f['value']} {f['unit']}, {factor.geography})",
        "monthly kWh: " + ", ".join(f"{v:,.0f}" for v in data["monthly_kwh"]),
    ]
    if data["payback_years"] is not None:
        lines.append(f"simple payback  {data['payback_years']:>12,.1f} years")
    lines += [f"warning: {w}" for w in warnings]
    lines.append(f"model: {data['model']}")
    emit(data, args.format, "\n".join(lines))
    return 0
