namespace Crucible.Viewer;

/// <summary>Shortens long text for the page, keeping its head and tail (where commands print what went wrong).</summary>
internal static class TextLimits
{
    /// <summary><paramref name="text"/> when at most <paramref name="max"/> characters, else its head and tail with a marker saying how much was left out.</summary>
    public static string HeadTail(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var half = max / 2;
        return $"{text[..half]}\n… [{text.Length - 2 * half} characters left out] …\n{text[^half..]}";
    }
}
