using Crucible.Core;
using Microsoft.Data.Sqlite;

namespace Crucible.Models.Storage;

/// <summary>What to do when a state database turns out to be damaged.</summary>
public enum DamagedDatabasePolicy
{
    /// <summary>Move it aside and fail with a <see cref="StateException"/> (the database holds history nothing else has).</summary>
    Fail,

    /// <summary>Move it aside and start an empty one (the database is an index the caller rebuilds from other files).</summary>
    StartEmpty,
}

/// <summary>A state database as opened: the connection, and where a damaged file it replaced was moved.</summary>
/// <param name="Connection">The open connection, its schema in place.</param>
/// <param name="MovedAside">Where the damaged file was moved (<see cref="DamagedDatabasePolicy.StartEmpty"/> only), or null.</param>
/// <param name="Damage">What was wrong with it, or null.</param>
/// <param name="Created">True when no database file existed (or the damaged one was moved aside) and a new one was made.</param>
public sealed record OpenedStateDatabase(SqliteConnection Connection, string? MovedAside, string? Damage, bool Created);

/// <summary>
/// Opens Crucible's SQLite state files (the result store, the sessions index, the response cache) so that damage
/// never crashes the program and never loses history silently: a file SQLite cannot read as a database, or an
/// empty (0-byte) one, is moved aside to <c>NAME.corrupt-&lt;time&gt;</c> and reported; a folder or file Crucible may
/// not write gives a <see cref="StateException"/> naming it and the <c>--state-dir</c> fix.
/// </summary>
public static class StateDatabase
{
    /// <summary>SQLite's result codes that mean the file is not a usable database.</summary>
    private static readonly int[] DamageCodes = [11 /* SQLITE_CORRUPT */, 26 /* SQLITE_NOTADB */];

    /// <summary>SQLite's result codes that mean the file or its folder may not be opened or written.</summary>
    private static readonly int[] AccessCodes = [3 /* SQLITE_PERM */, 8 /* SQLITE_READONLY */, 14 /* SQLITE_CANTOPEN */, 23 /* SQLITE_AUTH */];

    /// <summary>True when <paramref name="e"/> says a database file is damaged.</summary>
    public static bool IsDamage(SqliteException e) => DamageCodes.Contains(e.SqliteErrorCode);

    /// <summary>
    /// Opens (creating when missing) the database at <paramref name="path"/> and runs <paramref name="schema"/>
    /// (pragmas and <c>CREATE ... IF NOT EXISTS</c>) on it.
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="what">What the file holds, for messages (e.g. "the result database").</param>
    /// <param name="schema">SQL run on every open.</param>
    /// <param name="policy">What to do with a damaged file.</param>
    /// <param name="pooling">Whether the connection string pools connections.</param>
    /// <exception cref="StateException">The file is damaged (<see cref="DamagedDatabasePolicy.Fail"/>; it has been moved aside) or cannot be opened or written.</exception>
    public static OpenedStateDatabase Open(string path, string what, string schema, DamagedDatabasePolicy policy, bool pooling = false)
    {
        path = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw StateException.Unwritable(folder, e);
        }
        string? movedAside = null, damage = null;
        // An empty file is what a database becomes when its contents are lost (a truncating copy, a full disk);
        // SQLite would silently treat it as a new database and the history would be gone. A non-empty WAL beside
        // it may still hold the contents, so SQLite is left to recover that case.
        if (File.Exists(path) && new FileInfo(path).Length == 0 && !(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0))
        {
            damage = "the file is empty (0 bytes)";
            movedAside = Damaged(path, what, damage, policy, null);
        }
        var created = !File.Exists(path);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = pooling }.ToString();
        try
        {
            return new OpenedStateDatabase(Connect(connectionString, schema), movedAside, damage, created);
        }
        catch (SqliteException e) when (IsDamage(e))
        {
            SqliteConnection.ClearAllPools();
            damage = e.Message;
            movedAside = Damaged(path, what, damage, policy, e);
            return new OpenedStateDatabase(Connect(connectionString, schema), movedAside, damage, Created: true);
        }
        catch (SqliteException e) when (AccessCodes.Contains(e.SqliteErrorCode))
        {
            throw new StateException(
                $"cannot open {what} at {path}: {e.Message}",
                $"check that {folder} and the file are readable and writable by you, or keep Crucible's state elsewhere: {StateException.RelocateHint}",
                e);
        }
    }

    /// <summary>Moves a damaged database aside; fails after that unless the policy is to start an empty one.</summary>
    private static string Damaged(string path, string what, string damage, DamagedDatabasePolicy policy, Exception? inner)
    {
        string moved;
        try
        {
            moved = StateException.MoveAside(path, "-wal", "-shm");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new StateException(
                $"{what} at {path} is damaged ({damage}) and could not be moved aside: {e.Message}",
                $"move {path} away yourself (keep it: it may be recoverable with 'sqlite3 .recover'), then run the command again");
        }
        if (policy == DamagedDatabasePolicy.Fail)
        {
            throw new StateException(
                $"{what} at {path} is damaged ({damage}); it was moved to {moved}",
                $"run the command again to start a new database (earlier rows stay in {Path.GetFileName(moved)}; 'sqlite3 {Path.GetFileName(moved)} .recover' may get them back), or restore {Path.GetFileName(path)} from a backup",
                inner)
            { MovedTo = moved };
        }
        return moved;
    }

    private static SqliteConnection Connect(string connectionString, string schema)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = schema;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
