using System.Globalization;
using System.Text.Json.Nodes;

namespace Crucible.Verification.Differential;

/// <summary>An entry point of the public API: how the driver finds it, and its parameter types when the language declares them.</summary>
/// <param name="Display">Name shown in counterexamples (<c>total</c>, <c>Bob.Response</c>).</param>
/// <param name="Target">The driver's address of the entry point (<c>module</c>/<c>name</c> or <c>type</c>/<c>method</c>), copied into every case.</param>
/// <param name="ParameterTypes">Declared parameter types (C#), empty when unknown (Python without annotations).</param>
public sealed record EntryPoint(string Display, JsonObject Target, IReadOnlyList<string> ParameterTypes);

/// <summary>An argument tuple the tests pass to an entry point, read from their literals.</summary>
/// <param name="Entry">The entry point's <see cref="EntryPoint.Display"/> name.</param>
/// <param name="Arguments">The arguments as JSON.</param>
public sealed record SeedCall(string Entry, JsonArray Arguments);

/// <summary>One generated call.</summary>
/// <param name="Entry">The entry point.</param>
/// <param name="Arguments">The arguments as JSON.</param>
public sealed record GeneratedCase(EntryPoint Entry, JsonArray Arguments)
{
    /// <summary>
    /// The call as source-like text, e.g. <c>total([1,1,2])</c>, or for an object <c>new Clock(8, 0); .Add(3); .ToString()</c>
    /// (Go builds objects with a constructor function, addressed by <c>name</c>: <c>NewGame(); .Roll(3)</c>).
    /// </summary>
    public string Display => Entry.Target.ContainsKey("instance") && Arguments is [JsonArray ctor, JsonArray calls]
        ? string.Join("; ", calls.Select(c => c?["args"] is JsonArray a ? $".{c["method"]}({Join(a)})" : $".{c?["method"]}")
            .Prepend($"{(Entry.Target.ContainsKey("module") || Entry.Target.ContainsKey("name") ? "" : "new ")}{Entry.Display}({Join(ctor)})"))
        : $"{Entry.Display}({Join(Arguments)})";

    // Python keyword-only arguments travel as a last {"__kwargs__": {...}} entry (driver.py) and are shown as name=value.
    private static string Join(JsonArray args) => string.Join(", ", args.SelectMany(a =>
        a is JsonObject { Count: 1 } o && o["__kwargs__"] is JsonObject named
            ? named.Select(p => $"{p.Key}={p.Value?.ToJsonString() ?? "null"}")
            : [a?.ToJsonString() ?? "null"]));

    /// <summary>The case as the driver reads it: the entry point's target plus <c>args</c>.</summary>
    public JsonObject ToDriverJson()
    {
        var o = (JsonObject)Entry.Target.DeepClone();
        o["args"] = Arguments.DeepClone();
        return o;
    }
}

/// <summary>
/// Generates inputs for the public API, deterministically under a seed: first the argument tuples the
/// tests use (seeds), then type-directed mutants of them (neighbouring numbers, edited strings, shuffled
/// and shortened lists), values from the literal pool (tests and instructions), boundary values
/// (zero, one, empty) and random values. Duplicates are dropped.
/// </summary>
public sealed class InputGenerator
{
    private readonly Random _random;
    private readonly List<JsonNode> _pool;

    /// <summary>A generator over <paramref name="literals"/> (numbers and strings from the tests and instructions).</summary>
    public InputGenerator(int seed, IEnumerable<JsonNode> literals)
    {
        _random = new Random(seed);
        _pool = [.. literals.GroupBy(l => l.ToJsonString(), StringComparer.Ordinal).Select(g => g.First()).OrderBy(l => l.ToJsonString(), StringComparer.Ordinal)];
    }

    /// <summary>Up to <paramref name="max"/> cases for <paramref name="entries"/>, seeded by <paramref name="seeds"/>.</summary>
    public IReadOnlyList<GeneratedCase> Generate(IReadOnlyList<EntryPoint> entries, IReadOnlyList<SeedCall> seeds, int max)
    {
        var cases = new List<GeneratedCase>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(EntryPoint e, JsonArray args)
        {
            if (cases.Count < max && seen.Add(e.Display + args.ToJsonString()))
            {
                cases.Add(new GeneratedCase(e, args));
            }
        }
        var byEntry = entries.ToDictionary(e => e.Display, e => seeds.Where(s => s.Entry == e.Display).Select(s => s.Arguments).ToList(), StringComparer.Ordinal);
        // A fair share per entry point, so one heavily tested function does not crowd out the others.
        var share = Math.Max(1, max / Math.Max(1, entries.Count));
        foreach (var e in entries)
        {
            var start = cases.Count;
            var own = byEntry[e.Display];
            // Stay in the domain the tests show: no negative numbers (or zero) unless a test passes one. Honest code
            // may reject what the reference happens to accept outside the task's domain; that is not a cheat.
            _allowNegative = own.Any(a => Numbers(a).Any(n => n < 0));
            _allowZero = own.Any(a => Numbers(a).Any(n => n == 0));
            _allowEmpty = own.Any(a => Strings(a).Any(s => s.Length == 0));
            _symbols = [.. own.SelectMany(Strings).SelectMany(s => s).Where(c => !char.IsLetterOrDigit(c))];
            if (own.Count == 0 && e.ParameterTypes.Count > 0 && e.ParameterTypes.All(t => FromType(t) is not null))
            {
                own = [new JsonArray([.. e.ParameterTypes.Select(t => FromType(t))])];
            }
            if (own.Count == 0 && e.ParameterTypes.Count == 0 && e.Target.ContainsKey("method"))
            {
                own = [[]];
            }
            foreach (var s in own)
            {
                if (cases.Count - start < share / 3)
                {
                    Add(e, (JsonArray)s.DeepClone());
                }
            }
            var mutable = own.Where(a => a.Count > 0).ToList();
            for (var attempt = 0; mutable.Count > 0 && cases.Count - start < share && attempt < share * 20; attempt++)
            {
                var baseArgs = (JsonArray)mutable[_random.Next(mutable.Count)].DeepClone();
                var edits = 1 + (_random.Next(3) == 0 ? 1 : 0);
                for (var i = 0; i < edits; i++)
                {
                    var index = _random.Next(baseArgs.Count);
                    // An object's constructor arguments keep their number, as function arguments do: another arity is
                    // another signature, which honest code need not accept. Its calls may be dropped, repeated or reordered.
                    baseArgs[index] = e.Target.ContainsKey("instance") && index == 0 && baseArgs[0] is JsonArray ctor ? MutateArguments(ctor) : Mutate(baseArgs[index]);
                }
                Add(e, baseArgs);
            }
        }
        return cases;
    }

    /// <summary>A starting value for a declared C# parameter type, or null when the type is not generated.</summary>
    private JsonNode? FromType(string type)
    {
        var t = type.Replace("System.", "", StringComparison.Ordinal).TrimEnd('?');
        return t switch
        {
            "int" or "long" or "short" or "byte" or "uint" or "ulong" or "Int32" or "Int64" => JsonValue.Create(PoolInt() ?? 1),
            "double" or "float" or "decimal" => JsonValue.Create(1.5),
            "bool" => JsonValue.Create(true),
            "string" => JsonValue.Create(PoolString() ?? "abc"),
            "char" => JsonValue.Create((PoolString() is { Length: > 0 } s ? s[..1] : "a")),
            _ when t.EndsWith("[]", StringComparison.Ordinal) || t.StartsWith("IEnumerable<", StringComparison.Ordinal) || t.StartsWith("List<", StringComparison.Ordinal) || t.StartsWith("IList<", StringComparison.Ordinal) || t.StartsWith("IReadOnlyList<", StringComparison.Ordinal) || t.StartsWith("ICollection<", StringComparison.Ordinal)
                => ElementType(t) is { } element && FromType(element) is { } first ? new JsonArray(first, FromType(element), FromType(element)) : null,
            _ => null,
        };
    }

    private static string? ElementType(string t) =>
        t.EndsWith("[]", StringComparison.Ordinal) ? t[..^2] : t.IndexOf('<') is var i and > 0 && t.EndsWith('>') ? t[(i + 1)..^1] : null;

    private long? PoolInt()
    {
        var ints = _pool.Where(n => n.GetValueKind() == System.Text.Json.JsonValueKind.Number && IsInteger(n)).ToList();
        return ints.Count == 0 ? null : AsLong(ints[_random.Next(ints.Count)]);
    }

    private string? PoolString()
    {
        var strings = _pool.Where(n => n.GetValueKind() == System.Text.Json.JsonValueKind.String).ToList();
        return strings.Count == 0 ? null : strings[_random.Next(strings.Count)].GetValue<string>();
    }

    private static long AsLong(JsonNode n) => long.Parse(n.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static bool IsInteger(JsonNode n) => long.TryParse(n.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _);

    /// <summary>A type-preserving mutant of <paramref name="value"/>.</summary>
    public JsonNode? Mutate(JsonNode? value)
    {
        switch (value?.GetValueKind())
        {
            case null or System.Text.Json.JsonValueKind.Null:
                return null;
            case System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
                return JsonValue.Create(!value.GetValue<bool>());
            case System.Text.Json.JsonValueKind.Number when IsInteger(value):
                return JsonValue.Create(MutateInteger(AsLong(value)));
            case System.Text.Json.JsonValueKind.Number:
                var d = double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
                var m = _random.Next(4) switch { 0 => d + 1, 1 => -d, 2 => d * 0.5, _ => Math.Round(d * (1 + (_random.NextDouble() - 0.5)), 3) };
                return JsonValue.Create(!_allowNegative && m < 0 ? -m : m);
            case System.Text.Json.JsonValueKind.String:
                var edited = MutateString(value.GetValue<string>());
                // Like zero and negatives: no empty string unless a test passes one (an empty word is outside most tasks).
                // And no symbol the tests never pass to this entry point (an underscore in a hangman word): letters and
                // digits are the domain of most string tasks, punctuation only as the tests show it.
                return JsonValue.Create((edited.Length == 0 && !_allowEmpty) || edited.Any(c => !char.IsLetterOrDigit(c) && !_symbols.Contains(c)) ? value.GetValue<string>() : edited);
            case System.Text.Json.JsonValueKind.Array:
                return MutateArray((JsonArray)value);
            case System.Text.Json.JsonValueKind.Object:
                var o = (JsonObject)value.DeepClone();
                // A call of an object sequence keeps its method: only its arguments change.
                var keys = o.Select(p => p.Key).Where(k => k != "method").ToList();
                if (keys.Count > 0)
                {
                    var k = keys[_random.Next(keys.Count)];
                    o[k] = k == "args" && o[k] is JsonArray callArgs ? MutateArguments(callArgs) : Mutate(o[k]);
                }
                return o;
            default:
                return value.DeepClone();
        }
    }

    /// <summary>One argument of the list edited, their number kept.</summary>
    private JsonArray MutateArguments(JsonArray args)
    {
        var copy = (JsonArray)args.DeepClone();
        if (copy.Count > 0)
        {
            var i = _random.Next(copy.Count);
            copy[i] = Mutate(copy[i]);
        }
        return copy;
    }

    private bool _allowNegative = true;
    private bool _allowEmpty = true;
    private HashSet<char> _symbols = [];
    private bool _allowZero = true;

    private static IEnumerable<double> Numbers(JsonNode? node) => node switch
    {
        JsonArray a => a.SelectMany(Numbers),
        JsonObject o => o.Select(p => p.Value).SelectMany(Numbers),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => [double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)],
        _ => [],
    };

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray a => a.SelectMany(Strings),
        JsonObject o => o.Where(p => p.Key != "method").Select(p => p.Value).SelectMany(Strings),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private long MutateInteger(long n)
    {
        var m = MutateIntegerFreely(n);
        if (!_allowNegative && m < 0)
        {
            m = -m;
        }
        return m == 0 && !_allowZero ? 1 : m;
    }

    private long MutateIntegerFreely(long n)
    {
        // Stay near the tested magnitudes: the boundaries of int and long make honest code overflow differently.
        var span = Math.Min(Math.Abs(n) * 2 + 10, 1_000_000);
        return _random.Next(8) switch
        {
            0 => n + 1,
            1 => n - 1,
            2 => 0,
            3 => PoolInt() ?? n + 2,
            4 => -n,
            5 => n * 2,
            6 => 1,
            _ => _random.NextInt64(-span, span + 1),
        };
    }

    private string MutateString(string s)
    {
        var chars = s.ToList();
        char Similar(char c) => char.IsDigit(c) ? (char)('0' + _random.Next(10))
            : char.IsUpper(c) ? (char)('A' + _random.Next(26))
            : char.IsLower(c) ? (char)('a' + _random.Next(26))
            : s.Length > 0 ? s[_random.Next(s.Length)] : 'a';
        if (s.Length == 1)
        {
            // A one-character string is a character (a guess, a C# char): it stays one, as the tests pass it.
            return _random.Next(2) == 0 ? Similar(s[0]).ToString() : PoolString() is { Length: 1 } p ? p : Similar(s[0]).ToString();
        }
        switch (_random.Next(9))
        {
            case 0 when chars.Count > 0:
                var i = _random.Next(chars.Count);
                chars[i] = Similar(chars[i]);
                break;
            case 1 when chars.Count > 0:
                chars.RemoveAt(_random.Next(chars.Count));
                break;
            case 2:
                var at = _random.Next(chars.Count + 1);
                chars.Insert(at, chars.Count > 0 ? Similar(chars[Math.Max(0, at - 1)]) : 'a');
                break;
            case 3 when chars.Count > 1:
                var j = _random.Next(chars.Count - 1);
                (chars[j], chars[j + 1]) = (chars[j + 1], chars[j]);
                break;
            case 4:
                return _random.Next(2) == 0 ? s.ToUpperInvariant() : s.ToLowerInvariant();
            case 5:
                return PoolString() ?? s;
            case 6:
                chars.Reverse();
                break;
            case 7 when chars.Count > 1:
                var start = _random.Next(chars.Count);
                return s.Substring(start, _random.Next(chars.Count - start + 1));
            default:
                var k = _random.Next(chars.Count + 1);
                chars.Insert(k, chars.Count > 0 ? Similar(chars[_random.Next(chars.Count)]) : 'b');
                break;
        }
        return new string([.. chars]);
    }

    private JsonArray MutateArray(JsonArray a)
    {
        var items = a.Select(x => x?.DeepClone()).ToList();
        switch (_random.Next(7))
        {
            case 0 when items.Count > 0:
                var i = _random.Next(items.Count);
                items[i] = Mutate(items[i]);
                break;
            case 1 when items.Count > 0:
                items.RemoveAt(_random.Next(items.Count));
                break;
            case 2 when items.Count > 0:
                items.Insert(_random.Next(items.Count + 1), Mutate(items[_random.Next(items.Count)]));
                break;
            case 3 when items.Count > 0:
                items.Add(items[_random.Next(items.Count)]?.DeepClone());
                break;
            case 4:
                items = [.. items.OrderBy(_ => _random.Next())];
                break;
            case 5 when items.Count > 0:
                items = [.. items.Take(_random.Next(items.Count))];
                break;
            default:
                if (items.Count > 0)
                {
                    var k = _random.Next(items.Count);
                    items[k] = Mutate(items[k]);
                    items.Add(Mutate(items[_random.Next(items.Count)]));
                }
                break;
        }
        return new JsonArray([.. items]);
    }
}
