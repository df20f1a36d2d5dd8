using System.CommandLine;
using Crucible.Cli;

// Entry point: builds the command tree and maps failures to exit codes. Each area of the CLI
// contributes its commands through CommandTree; this file stays small on purpose.
return await CliApp.RunProcessAsync(args);
