# Independent correct solution, different style: pitches are numbers 0..11 and every step is a semitone count;
# the spelling (sharps or flats) is chosen once from the tonic.
SHARPS = "C C# D D# E F F# G G# A A# B".split()
FLATS = "C Db D Eb E F Gb G Ab A Bb B".split()
FLAT_TONICS = {"F", "Bb", "Eb", "Ab", "Db", "Gb", "d", "g", "c", "f", "bb", "eb"}
STEP = {"m": 1, "M": 2, "A": 3}


class Scale:
    def __init__(self, tonic):
        self.tonic = tonic
        self._names = FLATS if tonic in FLAT_TONICS else SHARPS
        self._root = self._names.index(tonic[0].upper() + tonic[1:])

    def chromatic(self):
        return [self._names[(self._root + k) % 12] for k in range(12)]

    def interval(self, intervals):
        pitch = self._root
        out = [self._names[pitch]]
        for step in intervals:
            pitch += STEP[step]
            out.append(self._names[pitch % 12])
        return out
