using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Caching;

/// <summary>
/// Responses stored by request key in a SQLite file (opt-in with <c>--cache</c>; default
/// <c>.crucible/response-cache.db</c> in the project). Thread-safe: each operation opens a pooled connection.
/// </summary>
public sealed class ResponseCache
{
    /// <summary>File name of the cache under the project's <c>.crucible/</c>.</summary>
    public const string DefaultFileName = "response-cache.db";

    private readonly string _connectionString;

    /// <summary>Opens (creating if needed) the cache at <paramref name="path"/>.</summary>
    /// <exception cref="Core.StateException">The cache is damaged (it has been moved aside) or cannot be opened or written.</exception>
    public ResponseCache(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true }.ToString();
        using var connection = Storage.StateDatabase.Open(Path, "the response cache", """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS responses (
                key TEXT PRIMARY KEY,
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                created TEXT NOT NULL,
                response TEXT NOT NULL
            );
            """, Storage.DamagedDatabasePolicy.Fail, pooling: true).Connection;
    }

    /// <summary>The default cache file for a project folder.</summary>
    public static string DefaultPath(string projectDirectory) => System.IO.Path.Combine(projectDirectory, Settings.SettingsLoader.FolderName, DefaultFileName);

    /// <summary>The absolute path of the cache file.</summary>
    public string Path { get; }

    /// <summary>The stored response for <paramref name="key"/>, or null.</summary>
    public async Task<ChatResponse?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT response FROM responses WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        var json = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        return json is null ? null : JsonSerializer.Deserialize<ChatResponse>(json, AIJsonUtilities.DefaultOptions);
    }

    /// <summary>Stores <paramref name="response"/> under <paramref name="key"/> (replacing any earlier one).</summary>
    public async Task PutAsync(string key, string provider, string model, ChatResponse response, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(response, AIJsonUtilities.DefaultOptions);
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO responses (key, provider, model, created, response) VALUES ($key, $provider, $model, $created, $response)";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$provider", provider);
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("$response", json);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many responses are stored.</summary>
    public long Count()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM responses";
        return (long)command.ExecuteScalar()!;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // WAL with synchronous=NORMAL stays consistent after a crash and may lose only the last few
        // entries on power loss (they are re-fetched on the next run); FULL would fsync on every write.
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous = NORMAL";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
