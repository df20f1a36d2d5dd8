using System.Text;

namespace Crucible.Agent.Tools;

/// <summary>A text file's content and the encoding details to write it back unchanged.</summary>
/// <param name="Text">The content without a byte-order mark.</param>
/// <param name="HasBom">True when the file started with a UTF-8 byte-order mark.</param>
internal sealed record TextContent(string Text, bool HasBom)
{
    /// <summary>True when the file's line breaks are CRLF (the first line break decides).</summary>
    public bool UsesCrlf
    {
        get
        {
            var i = Text.IndexOf('\n', StringComparison.Ordinal);
            return i > 0 && Text[i - 1] == '\r';
        }
    }
}

/// <summary>Reads and writes text files the way the file tools need: binary refused, BOM kept.</summary>
internal static class TextFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Why a file is not text (NUL bytes in its first <paramref name="sniffBytes"/> bytes, or invalid UTF-8), or null when it is text.</summary>
    public static string? BinaryReason(string fullPath, int sniffBytes)
    {
        using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[sniffBytes];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (Array.IndexOf(buffer, (byte)0, 0, read) >= 0)
        {
            return "it contains NUL bytes (a binary file)";
        }
        // Cut back to a character boundary so a multi-byte character split by the sniff window is not mistaken for invalid UTF-8.
        var end = read;
        if (read == buffer.Length)
        {
            var back = 0;
            while (back < 3 && end > 0 && (buffer[end - 1] & 0xC0) == 0x80)
            {
                end--;
                back++;
            }
            if (end > 0 && buffer[end - 1] >= 0xC0)
            {
                end--;
            }
        }
        try
        {
            StrictUtf8.GetCharCount(buffer, 0, end);
            return null;
        }
        catch (DecoderFallbackException)
        {
            return "it is not valid UTF-8 text (a binary file or another encoding)";
        }
    }

    /// <summary>Reads a whole text file; throws <see cref="ToolInputException"/> for binary content.</summary>
    public static TextContent Read(ResolvedPath path)
    {
        var bytes = File.ReadAllBytes(path.FullPath);
        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            throw new ToolInputException($"Refused '{path.Display}': it contains NUL bytes (a binary file).");
        }
        var bom = bytes.AsSpan().StartsWith(Bom);
        try
        {
            return new TextContent(StrictUtf8.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0)), bom);
        }
        catch (DecoderFallbackException)
        {
            throw new ToolInputException($"Refused '{path.Display}': it is not valid UTF-8 text (a binary file or another encoding).");
        }
    }

    /// <summary>True when the file starts with a UTF-8 byte-order mark.</summary>
    public static bool StartsWithBom(string fullPath)
    {
        using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Span<byte> head = stackalloc byte[3];
        return stream.ReadAtLeast(head, 3, throwOnEndOfStream: false) == 3 && head.SequenceEqual(Bom);
    }

    /// <summary>Writes text as UTF-8, with a BOM when <paramref name="bom"/> is true, creating parent folders.</summary>
    public static void Write(string fullPath, string text, bool bom)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var body = Utf8NoBom.GetBytes(text);
        using var stream = new FileStream(fullPath, FileMode.Create, FileAccess.Write, FileShare.None);
        if (bom)
        {
            stream.Write(Bom);
        }
        stream.Write(body);
    }

    /// <summary>A strict UTF-8 reader for streaming a file line by line.</summary>
    public static StreamReader OpenReader(string fullPath) =>
        new(new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), StrictUtf8, detectEncodingFromByteOrderMarks: true);

    /// <summary>Splits text into lines (<c>\n</c>, <c>\r\n</c>); a final line break does not start another line.</summary>
    public static string[] Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].EndsWith('\r'))
            {
                lines[i] = lines[i][..^1];
            }
        }
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    /// <summary>The 1-based line number of character <paramref name="index"/>.</summary>
    public static int LineOf(string text, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
            }
        }
        return line;
    }

    /// <summary>Cuts a line longer than <paramref name="max"/> characters and says how much was cut.</summary>
    public static string Truncate(string line, int max) =>
        line.Length <= max ? line : $"{line[..max]}… [line truncated: {line.Length - max} more characters]";
}
