"""CO2 of charging electric vehicles against the petrol they replace.

    avoided [kgCO2] = km × petrol_l_per_km × ρ_gasoline × EF_gasoline − kWh × EF_grid
    km = kWh / ev_kwh_per_km

The consumption figures below are ASSUMPTIONS of typical vehicles, not official values:
a community should replace them with its own (fleet records, the vehicles' type-approval
figures). The fuel and grid factors come from the shipped registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from nearzero.core.units import FUEL_DENSITY_KG_PER_L


@dataclass(frozen=True)
class VehicleAssumption:
    kwh_per_km: float  # electric consumption at the plug [kWh/km]
    petrol_l_per_km: float  # the petrol vehicle it replaces [L/km]
    note: str


#: Assumed typical consumptions (see the module docstring).
VEHICLES = {
    "ev": VehicleAssumption(0.15, 0.070, "compact EV 15 kWh/100 km vs petrol car 7 L/100 km"),
    "ebike": VehicleAssumption(0.02, 0.020, "e-bike 2 kWh/100 km vs petrol scooter 2 L/100 km"),
}


@dataclass(frozen=True)
class ChargingCO2:
    kwh: float
    km: float
    petrol_l_avoided: float
    petrol_kgco2_avoided: float
    grid_kgco2: float
    net_avoided_kgco2: float


def charging_co2(
    kwh: float, vehicle: str, *, gasoline_kgco2_per_kg: float, grid_kgco2_per_kwh: float
) -> ChargingCO2:
    """Net CO2 avoided [kg] by charging ``kwh`` for ``vehicle`` ("ev" or "ebike")."""
    spec = VEHICLES[vehicle]
    km = kwh / spec.kwh_per_km
    litres = km * spec.petrol_l_per_km
    petrol = litres * FUEL_DENSITY_KG_PER_L["gasoline"] * gasoline_kgco2_per_kg
    grid = kwh * grid_kgco2_per_kwh
    return ChargingCO2(kwh, km, litres, petrol, grid, petrol - grid)
