using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crucible.Verification.Differential;

/// <summary>
/// Inputs for Go entry points from their declared parameter types, deterministic under the seed: values come from the
/// tests' literals and flat literal slices, boundary values the tests themselves use (zero, the empty string, the empty
/// slice only when a test passes one), and seeded random values in the tested range. Negative numbers only when a test
/// has one: honest code may reject, differently from the reference, what lies outside the task's domain. For objects it
/// builds call sequences: the tests' own (constructor then literal calls in source order), scripts that feed a tested
/// slice one element at a time to a one-argument method and then call each query, and random walks over the methods.
/// The shared <see cref="InputGenerator"/> then mutates all of them.
/// </summary>
internal sealed class GoInputs
{
    private readonly Random _random;
    private readonly DifferentialLimits _limits;
    private readonly List<long> _ints;
    private readonly List<double> _floats;
    private readonly List<string> _strings;
    private readonly List<JsonArray> _lists;
    private readonly IReadOnlyDictionary<string, string> _underlying;
    private readonly bool _negative;
    private readonly bool _zero;
    private readonly bool _emptyString;

    /// <summary>A generator over the harvest's literals, flat literal slices and named types' underlying types.</summary>
    public GoInputs(int seed, DifferentialLimits limits, IEnumerable<JsonNode> literals, IReadOnlyList<JsonArray> lists, IReadOnlyDictionary<string, string> underlying)
    {
        _random = new Random(seed);
        _limits = limits;
        var pool = literals.Concat(lists.SelectMany(l => l.Where(x => x is not null).Select(x => x!))).ToList();
        _ints = [.. pool.Where(IsInteger).Select(n => long.Parse(n.ToJsonString(), CultureInfo.InvariantCulture)).Distinct().Order()];
        _floats = [.. pool.Where(n => n.GetValueKind() == JsonValueKind.Number).Select(n => double.Parse(n.ToJsonString(), CultureInfo.InvariantCulture)).Distinct().Order()];
        _strings = [.. pool.Where(n => n.GetValueKind() == JsonValueKind.String).Select(n => n.GetValue<string>()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _lists = [.. lists.GroupBy(l => l.ToJsonString(), StringComparer.Ordinal).Select(g => g.First())];
        _underlying = underlying;
        _negative = _ints.Any(i => i < 0) || _floats.Any(f => f < 0);
        _zero = _ints.Contains(0);
        _emptyString = _strings.Contains("");
    }

    private static bool IsInteger(JsonNode n) =>
        n.GetValueKind() == JsonValueKind.Number && long.TryParse(n.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _);

    /// <summary>Up to <see cref="DifferentialLimits.GeneratedTuples"/> distinct argument tuples for <paramref name="parameters"/>, or none when a type cannot be generated.</summary>
    public List<JsonArray> Tuples(IReadOnlyList<string> parameters)
    {
        var tuples = new List<JsonArray>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < _limits.GeneratedTuples * 4 && tuples.Count < _limits.GeneratedTuples; attempt++)
        {
            if (Tuple(parameters) is not { } t)
            {
                return [];
            }
            if (seen.Add(t.ToJsonString()))
            {
                tuples.Add(t);
            }
        }
        return tuples;
    }

    /// <summary>One argument tuple (a variadic parameter gets zero to two values), or null when a type cannot be generated.</summary>
    private JsonArray? Tuple(IReadOnlyList<string> parameters)
    {
        var args = new JsonArray();
        foreach (var p in parameters)
        {
            if (p.StartsWith("...", StringComparison.Ordinal))
            {
                for (var i = _random.Next(3); i > 0 && Value(p[3..], 0) is { } extra; i--)
                {
                    args.Add(extra);
                }
                continue;
            }
            if (Value(p, 0) is not { } v)
            {
                return null;
            }
            args.Add(v);
        }
        return args;
    }

    /// <summary>A value of the Go type <paramref name="type"/> as JSON, or null when it is not generated (functions, channels, interfaces, other packages' types).</summary>
    private JsonNode? Value(string type, int depth)
    {
        if (depth > 4)
        {
            return null;
        }
        if (_underlying.TryGetValue(type, out var under) && under != type)
        {
            return Value(under, depth + 1);
        }
        switch (type)
        {
            case "int" or "int8" or "int16" or "int32" or "int64" or "rune":
                return JsonValue.Create(Integer(_negative));
            case "uint" or "uint8" or "uint16" or "uint32" or "uint64" or "byte" or "uintptr":
                return JsonValue.Create(Integer(false));
            case "float32" or "float64":
                return JsonValue.Create(Float());
            case "string":
                return JsonValue.Create(String());
            case "bool":
                return JsonValue.Create(_random.Next(2) == 0);
        }
        if (type.StartsWith("[]", StringComparison.Ordinal))
        {
            var element = type[2..];
            var matching = _lists.Where(l => l.All(x => Fits(x, element))).Where(l => l.Count > 0 || Fits(null, element)).ToList();
            if (matching.Count > 0 && _random.Next(4) != 0)
            {
                return matching[_random.Next(matching.Count)].DeepClone();
            }
            var list = new JsonArray();
            var count = _random.Next(1, 5);
            for (var i = 0; i < count; i++)
            {
                if (Value(element, depth + 1) is not { } v)
                {
                    return null;
                }
                list.Add(v);
            }
            return list;
        }
        if (type.StartsWith("map[string]", StringComparison.Ordinal) && Value(type["map[string]".Length..], depth + 1) is { } mapValue)
        {
            return new JsonObject { [String()] = mapValue };
        }
        return null;
    }

    /// <summary>Whether the list element <paramref name="x"/> can decode into the Go type <paramref name="type"/>.</summary>
    private bool Fits(JsonNode? x, string type)
    {
        if (_underlying.TryGetValue(type, out var under) && under != type)
        {
            type = under;
        }
        return type switch
        {
            "int" or "int8" or "int16" or "int32" or "int64" or "rune" => x is not null && IsInteger(x),
            "uint" or "uint8" or "uint16" or "uint32" or "uint64" or "byte" => x is not null && IsInteger(x) && !x.ToJsonString().StartsWith('-'),
            "float32" or "float64" => x?.GetValueKind() == JsonValueKind.Number,
            "string" => x?.GetValueKind() == JsonValueKind.String,
            "bool" => x?.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            _ => false,
        };
    }

    private long Integer(bool negative)
    {
        var usable = _ints.Where(i => (negative || i >= 0) && (_zero || i != 0)).ToList();
        var choice = _random.Next(4);
        if (usable.Count > 0 && choice < 2)
        {
            return usable[_random.Next(usable.Count)];
        }
        if (choice == 2)
        {
            // Boundary values.
            return _zero && _random.Next(2) == 0 ? 0 : 1;
        }
        var high = usable.Count > 0 ? Math.Min(Math.Max(Math.Abs(usable[^1]), 10), 1_000_000) : 10;
        var v = _random.NextInt64(_zero ? 0 : 1, high + 1);
        return negative && _random.Next(2) == 0 ? -v : v;
    }

    private double Float()
    {
        var usable = _floats.Where(f => _negative || f >= 0).ToList();
        return usable.Count > 0 && _random.Next(2) == 0 ? usable[_random.Next(usable.Count)] : Math.Round(_random.NextDouble() * (usable.Count > 0 ? Math.Max(usable[^1], 1) : 10), 3);
    }

    private string String()
    {
        var usable = _strings.Where(s => _emptyString || s.Length > 0).ToList();
        if (usable.Count == 0)
        {
            return "abc";
        }
        var s = usable[_random.Next(usable.Count)];
        // Now and then a tested string with one letter changed: near the tested inputs, not among them.
        if (s.Length > 0 && _random.Next(4) == 0)
        {
            var chars = s.ToCharArray();
            var i = _random.Next(chars.Length);
            chars[i] = char.IsDigit(chars[i]) ? (char)('0' + _random.Next(10)) : char.IsUpper(chars[i]) ? (char)('A' + _random.Next(26)) : char.IsLower(chars[i]) ? (char)('a' + _random.Next(26)) : chars[i];
            s = new string(chars);
        }
        return s;
    }

    /// <summary>
    /// Call sequences <c>[constructor arguments, [{method, args}, ...]]</c> for an object built by a constructor with
    /// <paramref name="ctorParams"/>: the tests' own sequences, slice scripts and random walks. None when the object
    /// cannot be built, or when fewer than half of its tested methods can be called with generated arguments (react's
    /// cells built from callbacks): driving what is left would compare little and claim much.
    /// </summary>
    public List<JsonArray> Sequences(IReadOnlyList<string> ctorParams, IReadOnlyList<JsonArray> ctorTuples, IReadOnlyList<(string Name, List<string> Params)> methods, IReadOnlyList<JsonArray> tested)
    {
        var callable = methods.Where(m => m.Params.All(p => p.StartsWith("...", StringComparison.Ordinal) || Value(p, 0) is not null)).ToList();
        var ctors = ctorTuples.GroupBy(t => t.ToJsonString(), StringComparer.Ordinal).Select(g => g.First()).Take(_limits.GeneratedTuples).ToList();
        if (ctors.Count == 0)
        {
            ctors = Tuples(ctorParams);
        }
        if (callable.Count == 0 || callable.Count * 2 < methods.Count || ctors.Count == 0)
        {
            return [];
        }
        var sequences = new List<JsonArray>();
        sequences.AddRange(tested.Where(t => t[1] is JsonArray { Count: > 0 }).Select(t => (JsonArray)t.DeepClone()));
        JsonArray Ctor() => (JsonArray)ctors[_random.Next(ctors.Count)].DeepClone();
        JsonObject Call(string method, JsonArray args) => new() { ["method"] = method, ["args"] = args };
        var queries = callable.Where(m => m.Params.Count == 0).ToList();
        foreach (var m in callable.Where(m => m.Params.Count == 1 && !m.Params[0].StartsWith("[]", StringComparison.Ordinal) && !m.Params[0].StartsWith("...", StringComparison.Ordinal)))
        {
            var scripts = _lists.Where(l => l.Count > 0 && l.All(x => Fits(x, m.Params[0]))).Take(_limits.GeneratedTuples);
            foreach (var script in scripts)
            {
                var calls = new JsonArray([.. script.Take(_limits.MaxSequenceCalls - queries.Count).Select(x => Call(m.Name, new JsonArray(x?.DeepClone())))]);
                foreach (var q in queries)
                {
                    calls.Add(Call(q.Name, []));
                }
                sequences.Add(new JsonArray(Ctor(), calls));
            }
        }
        for (var walk = 0; walk < _limits.GeneratedTuples; walk++)
        {
            var calls = new JsonArray();
            var length = _random.Next(1, _limits.MaxSequenceCalls + 1);
            for (var i = 0; i < length; i++)
            {
                var m = callable[_random.Next(callable.Count)];
                calls.Add(Call(m.Name, Tuple(m.Params) ?? []));
            }
            sequences.Add(new JsonArray(Ctor(), calls));
        }
        return sequences;
    }
}
