"""The example plug-in's sensor: ``xbi``, a made-up imager whose files are named
``XBI-L1b-C02_X01_s20200201300000.nc`` (band, platform, scan start with tenths of a
second), with the bands of GOES ABI.

Examples
--------
>>> XBI.match("XBI-L1b-C14_X01_s20200201300000.nc").platform
'X01'
"""

import re

from cloudorg.io.sensors import Sensor

XBI = Sensor(
    description="XBI L1b radiances",
    file_pattern=re.compile(
        r"^XBI-(?P<product>L1b)-(?P<part>C\d\d)_(?P<platform>X\d\d)_s(?P<start>\d{14})\.nc$"
    ),
    start_format="%Y%j%H%M%S%f",
    readers={"L1b": "abi_l1b"},
    bands={"reflectance_0p47": ("C01",), "reflectance_0p64": ("C02",),
           "reflectance_0p86": ("C03",), "brightness_temperature_11": ("C14", "C13")},
)  # fmt: skip
