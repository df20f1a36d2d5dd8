namespace Crucible.Server;
/// <summary>Placeholder.</summary>
public static class ServerAssembly { }
