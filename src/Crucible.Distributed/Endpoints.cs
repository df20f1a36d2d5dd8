using Crucible.Core;
using Npgsql;

namespace Crucible.Distributed;

/// <summary>Where the broker and the result database are: <c>--broker amqp://...</c> and <c>--db postgresql://...</c>.</summary>
/// <param name="Broker">The AMQP 0-9-1 URI of RabbitMQ.</param>
/// <param name="DatabaseConnectionString">The Npgsql connection string of PostgreSQL.</param>
public sealed record Endpoints(Uri Broker, string DatabaseConnectionString)
{
    /// <summary>Parses the two options, or returns null when neither is given (the default, local verification).</summary>
    /// <exception cref="BadInputException">Only one is given, or one is malformed.</exception>
    public static Endpoints? Parse(string? broker, string? database)
    {
        if (broker is null && database is null)
        {
            return null;
        }
        if (broker is null || database is null)
        {
            throw new BadInputException("--broker and --db go together", "pass both, e.g. --broker amqp://guest:guest@localhost:5672/ --db postgresql://postgres@localhost:5432/crucible, or neither to verify locally");
        }
        if (!Uri.TryCreate(broker, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            throw new BadInputException($"--broker '{broker}' is not an amqp:// or amqps:// URI", "pass e.g. --broker amqp://guest:guest@localhost:5672/");
        }
        return new Endpoints(uri, ToConnectionString(database));
    }

    /// <summary>
    /// Turns <c>postgresql://user:password@host:port/database?key=value</c> (or <c>postgres://</c>) into an Npgsql
    /// connection string; any other text is taken as a connection string already (<c>Host=...;Database=...</c>).
    /// </summary>
    /// <exception cref="BadInputException">The text is neither.</exception>
    public static string ToConnectionString(string database)
    {
        const string fix = "pass e.g. --db postgresql://postgres@localhost:5432/crucible or --db 'Host=localhost;Database=crucible;Username=postgres'";
        if (database.StartsWith("postgresql://", StringComparison.Ordinal) || database.StartsWith("postgres://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(database, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                throw new BadInputException($"--db '{Redact(database)}' is not a valid postgresql:// URI", fix);
            }
            var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432 };
            var path = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
            if (path.Length > 0)
            {
                b.Database = path;
            }
            if (uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                b.Username = Uri.UnescapeDataString(parts[0]);
                if (parts.Length == 2)
                {
                    b.Password = Uri.UnescapeDataString(parts[1]);
                }
            }
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                try
                {
                    b[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "true";
                }
                catch (ArgumentException e)
                {
                    throw new BadInputException($"--db option '{kv[0]}': {e.Message}", fix);
                }
            }
            return b.ConnectionString;
        }
        try
        {
            return new NpgsqlConnectionStringBuilder(database).ConnectionString;
        }
        catch (ArgumentException)
        {
            throw new BadInputException($"--db '{Redact(database)}' is neither a postgresql:// URI nor a connection string", fix);
        }
    }

    /// <summary>The broker URI without its password, for logs.</summary>
    public string BrokerForDisplay => Broker.UserInfo.Length == 0 ? Broker.ToString() : Broker.ToString().Replace(Broker.UserInfo + "@", Broker.UserInfo.Split(':')[0] + ":***@", StringComparison.Ordinal);

    // Passwords never reach logs or error messages.
    private static string Redact(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"(://[^:/@]*:)[^@]*@", "$1***@");
}
