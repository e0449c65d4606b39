"""The few pieces of Java arithmetic whose exact results Elasticsearch shows: String.hashCode and
java.util.Random, which seed a datafeed's default query_delay (DatafeedConfig.defaultRandomQueryDelay)."""

_MASK_48 = (1 << 48) - 1
_MULTIPLIER = 0x5DEECE66D


def _signed(value, bits):
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def string_hash(text):
    """java.lang.String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, as a signed int."""
    units = text.encode("utf-16-be")
    result = 0
    for index in range(0, len(units), 2):
        result = (31 * result + int.from_bytes(units[index:index + 2], "big")) & 0xFFFFFFFF
    return _signed(result, 32)


class JavaRandom:
    """java.util.Random: the 48-bit linear congruential generator of the JDK."""

    def __init__(self, seed):
        self._seed = (seed ^ _MULTIPLIER) & _MASK_48

    def _next(self, bits):
        self._seed = (self._seed * _MULTIPLIER + 0xB) & _MASK_48
        return _signed(self._seed >> (48 - bits), 32)

    def next_long(self):
        return _signed((self._next(32) << 32) + self._next(32), 64)

    def bounded_long(self, origin, bound):
        """The first value of Random.longs(origin, bound) (RandomSupport.boundedNextLong)."""
        r = self.next_long()
        n = bound - origin
        m = n - 1
        if n & m == 0:
            return (r & m) + origin
        u = (r & ((1 << 64) - 1)) >> 1
        while True:
            r = u % n
            if _signed(u + m - r, 64) >= 0:
                return r + origin
            u = (self.next_long() & ((1 << 64) - 1)) >> 1
