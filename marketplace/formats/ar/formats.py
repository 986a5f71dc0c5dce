# Django's Arabic formats with the decimal point that prices on this
# marketplace use: Western digits with "." read as 12.50, while Django's
# default "," would show 12,50, which Arabic readers of USD prices misread.
from django.conf.locale.ar.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
