"""Default earning rules a community starts from; staff change them on the rules page.

Points reward effort, as Chinese carbon-inclusive schemes do (Luzhou: clean plate 144 g →
5 points, bus ride 80 g → 10 points, 1 kg of clothes → 30 points); the grams travel with
each credit as the resident's carbon saved. Check-ins earn the points each event announces
(the activity catalogue's value, data/activities.toml). Caps keep a busy day from turning
into a points farm.
"""

from __future__ import annotations

from .choices import FactSource

#: source → (points per unit, cap per day, cap per month); None: no cap.
DEFAULT_RULES: dict[str, tuple[int, int | None, int | None]] = {
    FactSource.CHECKIN: (0, 60, None),  # the event's points; at most 60 a day
    FactSource.WEIGHING: (2, 40, 300),  # per kg of recyclables
    FactSource.SHIFT: (10, 40, None),  # per verified hour of sorting supervision
    FactSource.QUIZ: (20, None, None),  # once per quiz passed
    FactSource.CARE: (2, 4, 40),  # per plant-care log
}
