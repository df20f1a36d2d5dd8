using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crucible.Verification.Differential;

/// <summary>
/// Compares two canonical driver results as the task means them: numbers within a tolerance (relative
/// or absolute), sets and dictionaries as unordered, lists as multisets when the task's ordering is
/// unordered, objects without a readable form by the public state both sides have.
/// </summary>
/// <param name="Tolerance">Float tolerance.</param>
/// <param name="Unordered">Compare lists as multisets.</param>
public sealed record ResultComparer(double Tolerance, bool Unordered)
{
    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> mean the same result.</summary>
    public bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        var ka = a.GetValueKind();
        var kb = b.GetValueKind();
        if (ka == JsonValueKind.Number && kb == JsonValueKind.Number)
        {
            var x = double.Parse(a.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
            var y = double.Parse(b.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
            return x == y || Math.Abs(x - y) <= Tolerance * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));
        }
        if (ka != kb)
        {
            return false;
        }
        switch (ka)
        {
            case JsonValueKind.String:
                return a.GetValue<string>() == b.GetValue<string>();
            case JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                return true;
            case JsonValueKind.Array:
                var xa = (JsonArray)a;
                var xb = (JsonArray)b;
                return Unordered ? SameMultiset(xa, xb) : xa.Count == xb.Count && xa.Zip(xb).All(p => Same(p.First, p.Second));
            default:
                var oa = (JsonObject)a;
                var ob = (JsonObject)b;
                if (oa["__steps__"] is JsonArray stepsA && ob["__steps__"] is JsonArray stepsB)
                {
                    return SameSteps(stepsA, stepsB);
                }
                if (oa["__set__"] is JsonArray sa && ob["__set__"] is JsonArray sb)
                {
                    return SameMultiset(sa, sb);
                }
                if (oa["__dict__"] is JsonArray da && ob["__dict__"] is JsonArray db)
                {
                    return SameMultiset(da, db);
                }
                if (oa.ContainsKey("__object__") && ob.ContainsKey("__object__"))
                {
                    // Field names, class names and whether a class defines a string form are implementation choices:
                    // compare the string forms when both have one, and the public state both objects expose.
                    if (oa["str"] is { } strA && ob["str"] is { } strB && !Same(strA, strB))
                    {
                        return false;
                    }
                    if (oa["state"] is JsonObject stateA && ob["state"] is JsonObject stateB)
                    {
                        return stateA.Select(p => p.Key).Where(stateB.ContainsKey).All(k => Same(stateA[k], stateB[k]));
                    }
                    return true;
                }
                return oa.Count == ob.Count && oa.All(p => ob.ContainsKey(p.Key) && Same(p.Value, ob[p.Key]));
        }
    }

    /// <summary>
    /// An object's steps (<paramref name="a"/> the reference's): in order, each the returned value or the thrown exception's type and
    /// the state after it. A step where the reference threw ends the sequence and is an invalid input: it and anything the
    /// other side did from there on are not compared.
    /// </summary>
    private bool SameSteps(JsonArray a, JsonArray b)
    {
        // A step outside the reference's input contract ("invalid") ends the sequence as a throw does.
        var n = a.Count > 0 && a[^1] is JsonObject last && (last.ContainsKey("throws") || last.ContainsKey("invalid")) ? a.Count - 1 : a.Count;
        for (var i = 0; i < n; i++)
        {
            if (i >= b.Count)
            {
                return false;
            }
            if (a[i] is JsonObject accepted && !accepted.ContainsKey("throws") && b[i] is JsonObject rejecting && rejecting["throws"]?.GetValue<string>() == "rejected")
            {
                // The candidate's command rejected an input the reference accepted (Go: a call whose only result is an
                // error): stricter validation than the reference is not a cheat, and nothing after it is comparable.
                return true;
            }
            if (a[i] is not JsonObject x || b[i] is not JsonObject y || x.ContainsKey("throws") != y.ContainsKey("throws"))
            {
                return false;
            }
            if (!Same(x["returns"], y["returns"]) || !Same(x["state"], y["state"]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// True when the candidate (<paramref name="actual"/>) threw at construction and the reference's object sequence
    /// (<paramref name="expected"/>) either ends in a throw (both reject the input, the candidate only earlier) or has no
    /// call at all (a reference that validates lazily: an object nothing is asked of says nothing about the input).
    /// Eager or lazy validation of constructor arguments is a design choice; a call that throws midway where the
    /// reference returned is not (see <see cref="SameSteps"/>).
    /// </summary>
    public static bool RejectedEarlier(JsonObject expected, JsonObject actual) =>
        actual.ContainsKey("throws") && expected["ok"] is JsonObject o && o["__steps__"] is JsonArray { Count: > 0 } steps
        && (steps.Count == 1 || (steps[^1] is JsonObject last && (last.ContainsKey("throws") || last.ContainsKey("invalid"))));

    private bool SameMultiset(JsonArray a, JsonArray b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        var left = b.ToList();
        foreach (var x in a)
        {
            var i = left.FindIndex(y => Same(x, y));
            if (i < 0)
            {
                return false;
            }
            left.RemoveAt(i);
        }
        return true;
    }
}
