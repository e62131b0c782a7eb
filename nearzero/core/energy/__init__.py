"""Energy science: solar resource, PV yield (pvlib), interval data rules, self-consumption."""
