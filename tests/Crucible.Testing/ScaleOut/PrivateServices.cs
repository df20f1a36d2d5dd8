using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Crucible.Testing.ScaleOut;

/// <summary>
/// Debian's RabbitMQ and PostgreSQL are missing: the tests that need them fail with this message and its fix instead of
/// passing silently.
/// </summary>
public sealed class ScaleOutServicesMissingException(string message) : Exception(message + " Fix: run scripts/install-system-deps (it installs rabbitmq-server and postgresql with apt-get).");

/// <summary>Small process helpers shared by the private service fixtures.</summary>
internal static class ServiceProcess
{
    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    public static string Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        p.WaitForExit();
        return p.ExitCode == 0 ? stdout.Result : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stdout.Result}{stderr.Result}");
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>.</summary>
    public static void WaitForPort(int port, TimeSpan timeout, Func<string> diagnostics)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(200);
            }
        }
        throw new TimeoutException($"nothing listened on port {port} after {timeout.TotalSeconds}s: {diagnostics()}");
    }

    /// <summary>A folder under /tmp that other users (postgres) may traverse; short, because socket paths are limited to 107 bytes.</summary>
    public static string NewFolder(string prefix)
    {
        var dir = Path.Combine("/tmp", $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }
}

/// <summary>
/// A private RabbitMQ node (its own node name, ports and data folder under /tmp), so tests can restart it and nothing
/// collides with a system broker or another test run. <see cref="Dispose"/> stops it and deletes its folder.
/// </summary>
public sealed class PrivateRabbitMq : IDisposable
{
    /// <summary>Debian's server script.</summary>
    public const string ServerPath = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private const string CtlPath = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private readonly Dictionary<string, string> _env;
    private Process? _server;

    /// <summary>Starts the node and waits until it accepts connections.</summary>
    /// <exception cref="ScaleOutServicesMissingException">rabbitmq-server is not installed.</exception>
    public PrivateRabbitMq()
    {
        if (!File.Exists(ServerPath))
        {
            throw new ScaleOutServicesMissingException($"RabbitMQ is not installed ({ServerPath} is missing).");
        }
        Folder = ServiceProcess.NewFolder("crmq");
        Port = ServiceProcess.FreePort();
        var dist = ServiceProcess.FreePort();
        NodeName = $"crucible-{Path.GetFileName(Folder)}@localhost";
        File.WriteAllText(Path.Combine(Folder, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{Port}\nloopback_users = none\n");
        File.WriteAllText(Path.Combine(Folder, "enabled_plugins"), "[].\n");
        _env = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = dist.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(Folder, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(Folder, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(Folder, "rabbitmq"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Folder, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(Folder, "pid"),
            // The Erlang cookie lives in HOME: a private one keeps this node apart from any other.
            ["HOME"] = Folder,
        };
        Start();
    }

    /// <summary>The node's data, config and log folder.</summary>
    public string Folder { get; }

    /// <summary>The AMQP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The Erlang node name.</summary>
    public string NodeName { get; }

    /// <summary>The AMQP URI of virtual host <paramref name="vhost"/> (guest may connect from loopback).</summary>
    public string Uri(string vhost = "/") => $"amqp://guest:guest@127.0.0.1:{Port}/{System.Uri.EscapeDataString(vhost)}";

    /// <summary>Creates a virtual host guest may use, so each test has its own queues.</summary>
    public string AddVirtualHost(string name)
    {
        Ctl("add_vhost", name);
        Ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
        return name;
    }

    /// <summary>Starts the node (again) on the same data folder and waits for it.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo(ServerPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in _env)
        {
            start.Environment[k] = v;
        }
        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        try
        {
            // Generous: on a loaded 2-core machine a cold Erlang node takes minutes.
            ServiceProcess.WaitForPort(Port, TimeSpan.FromMinutes(5), () => ReadLogs());
            Ctl("await_startup");
        }
        catch
        {
            // Never leave a half-started node behind.
            Stop();
            throw;
        }
    }

    /// <summary>Stops the node gracefully (queues and messages stay on disk).</summary>
    public void Stop()
    {
        try
        {
            Ctl("stop");
        }
        catch (InvalidOperationException)
        {
            // Already down.
        }
        if (_server is { } s)
        {
            if (!s.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                s.Kill(entireProcessTree: true);
            }
            s.Dispose();
            _server = null;
        }
    }

    /// <summary>Messages ready in <paramref name="queue"/> of <paramref name="vhost"/>, as rabbitmqctl reports them.</summary>
    public int MessagesIn(string vhost, string queue)
    {
        var lines = Ctl("list_queues", "-p", vhost, "--quiet", "--no-table-headers", "name", "messages").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Select(l => l.Split('\t')).Where(p => p.Length == 2 && p[0] == queue).Select(p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
    }

    private string Ctl(params string[] args) => ServiceProcess.Run(CtlPath, ["-n", NodeName, .. args], _env, TimeSpan.FromMinutes(3));

    private string ReadLogs()
    {
        var log = Path.Combine(Folder, "log");
        return Directory.Exists(log) ? string.Join("\n", Directory.GetFiles(log).Select(f => File.ReadAllText(f)[^Math.Min(2000, (int)new FileInfo(f).Length)..])) : "(no log)";
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A private PostgreSQL cluster (initdb in a folder under /tmp, its own port and socket folder, trust authentication
/// on 127.0.0.1), run as the <c>postgres</c> user when the tests run as root. <see cref="Dispose"/> stops it and deletes it.
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private readonly string _bin;
    private readonly bool _asPostgres = Environment.UserName == "root";

    /// <summary>Creates and starts the cluster.</summary>
    /// <exception cref="ScaleOutServicesMissingException">PostgreSQL's server binaries are not installed.</exception>
    public PrivatePostgres()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
        {
            throw new ScaleOutServicesMissingException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb).");
        }
        Folder = ServiceProcess.NewFolder("crpg");
        Port = ServiceProcess.FreePort();
        if (_asPostgres)
        {
            ServiceProcess.Run("chown", ["postgres", Folder]);
        }
        Pg("initdb", "-D", DataFolder, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
        Start();
    }

    /// <summary>The cluster's folder (data, socket, log).</summary>
    public string Folder { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    private string DataFolder => Path.Combine(Folder, "data");

    /// <summary>A <c>postgresql://</c> URI of <paramref name="database"/>.</summary>
    public string Uri(string database) => $"postgresql://postgres@127.0.0.1:{Port}/{database}";

    /// <summary>Creates an empty database, so each test has its own tables.</summary>
    public string CreateDatabase(string name)
    {
        Pg("createdb", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", name);
        return name;
    }

    /// <summary>Runs one SQL statement with psql and returns its unaligned, tuples-only output.</summary>
    public string Query(string database, string sql) =>
        Pg("psql", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", database, "-At", "-c", sql).Trim();

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public void Start() => Pg("pg_ctl", "-D", DataFolder, "-l", Path.Combine(Folder, "log"), "-w", "-o",
        $"-p {Port} -k {Folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");

    /// <summary>Stops the server (fast shutdown: open connections are cut).</summary>
    public void Stop() => Pg("pg_ctl", "-D", DataFolder, "-m", "fast", "-w", "stop");

    private string Pg(string tool, params string[] args)
    {
        var path = tool == "psql" && !File.Exists(Path.Combine(_bin, "psql")) ? "/usr/bin/psql" : Path.Combine(_bin, tool);
        return _asPostgres ? ServiceProcess.Run("runuser", ["-u", "postgres", "--", path, .. args]) : ServiceProcess.Run(path, args);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Stop();
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
