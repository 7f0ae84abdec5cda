"""Pure trust scoring: no I/O, no clock, no settings. The trust model arrives with issue 3."""
