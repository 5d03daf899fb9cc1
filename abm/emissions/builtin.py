"""The built-in emission sources, one module each: importing them registers them, in this order
(the order of stacking in charts and of summing in the account, so it is part of the results)."""

from abm.emissions import buildings  # noqa: F401  (1: operational energy of floor)
from abm.emissions import transport  # noqa: F401  (2: passenger trips of every purpose)
from abm.emissions import industry  # noqa: F401,I001  (3: energy per value added)
from abm.emissions import industry_process  # noqa: F401,I001  (CO2 of industrial processes, not fuel)
from abm.emissions import conversion  # noqa: F401,I001  (4: land urbanised this tick)
from abm.emissions import embodied  # noqa: F401,I001  (5: materials and construction of new floor, demolition)
from abm.emissions import freight  # noqa: F401,I001  (road freight of the firms)
from abm.emissions import roads  # noqa: F401,I001  (roads built with new urban land)

__all__ = ["buildings", "transport", "industry", "industry_process", "conversion", "embodied", "freight", "roads"]
