// Independent correct solution, different style from the reference: pitches are semitone numbers and every note of a
// pattern, the last included, is computed from the previous one (the reference appends the tonic as the last note;
// the two agree on every pattern that spans an octave, which is every scale of the instructions).
public static class ScaleGenerator
{
    private static readonly string[] Sharps = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
    private static readonly string[] Flats = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"];
    private static readonly HashSet<string> FlatTonics = ["F", "Bb", "Eb", "Ab", "Db", "Gb", "d", "g", "c", "f", "bb", "eb"];

    private static (string[] Names, int Root) Spell(string tonic)
    {
        var names = FlatTonics.Contains(tonic) ? Flats : Sharps;
        var root = Array.FindIndex(names, n => n.Equals(tonic, StringComparison.OrdinalIgnoreCase));
        if (root < 0)
        {
            throw new ArgumentException($"unknown tonic {tonic}", nameof(tonic));
        }
        return (names, root);
    }

    public static string[] Chromatic(string tonic)
    {
        var (names, root) = Spell(tonic);
        return Enumerable.Range(0, 12).Select(k => names[(root + k) % 12]).ToArray();
    }

    public static string[] Interval(string tonic, string pattern)
    {
        var (names, pitch) = Spell(tonic);
        var notes = new List<string> { names[pitch] };
        foreach (var step in pattern)
        {
            pitch += step switch { 'm' => 1, 'M' => 2, 'A' => 3, _ => throw new ArgumentException($"unknown interval {step}", nameof(pattern)) };
            notes.Add(names[pitch % 12]);
        }
        return notes.ToArray();
    }
}
