// Independent correct solution, different style from the reference: pitches are numbers 0..11 and the spelling is
// chosen once from the tonic. A scale spans one octave (every pattern of the instructions does), so it ends on its
// tonic: the last note is the tonic again rather than one more computed step (the reference computes it).
package scale

import "strings"

var sharps = []string{"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"}
var flats = []string{"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"}

var flatTonics = map[string]bool{"F": true, "Bb": true, "Eb": true, "Ab": true, "Db": true, "Gb": true, "d": true, "g": true, "c": true, "f": true, "bb": true, "eb": true}

var semitones = map[rune]int{'m': 1, 'M': 2, 'A': 3}

// Scale returns the notes of the scale on tonic that follows interval; the empty interval is the chromatic scale.
func Scale(tonic, interval string) []string {
	names := sharps
	if flatTonics[tonic] {
		names = flats
	}
	root := 0
	for i, n := range names {
		if strings.EqualFold(n, tonic) {
			root = i
		}
	}
	if interval == "" {
		chromatic := make([]string, 0, 12)
		for k := 0; k < 12; k++ {
			chromatic = append(chromatic, names[(root+k)%12])
		}
		return chromatic
	}
	notes := []string{names[root]}
	pitch := root
	for _, step := range interval[:len(interval)-1] {
		pitch += semitones[step]
		notes = append(notes, names[pitch%12])
	}
	return append(notes, names[root])
}
