"""Pure school rules: plain functions over plain values, no I/O, the clock passed in."""
