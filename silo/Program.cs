using Npgsql;
using Omni.ServiceDefaults;
using Omni.Silo.Database;
using Omni.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
SiloSettings settings;
try
{
    settings = SiloSettings.From(builder.Configuration);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"omni silo: {e.Message}");
    return 2;
}

try
{
    // The schema is brought up to date before the silo joins: membership needs its tables.
    await using var dataSource = OmniDataSource.Create(settings.Postgres);
    var applied = await DatabaseMigrator.ApplyAsync(dataSource);
    Console.WriteLine(applied.Count == 0 ? "database schema is up to date" : $"applied migrations: {string.Join(", ", applied)}");
}
catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"omni silo: cannot prepare the database ({Where(settings.Postgres)}): {e.Message}");
    return 2;
}

if (args is ["migrate", ..])
{
    return 0;
}

builder.AddServiceDefaults();
builder.AddOmniSilo();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapOmniDashboard();
await app.RunAsync();
return 0;

static string Where(string connectionString)
{
    try
    {
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        return $"host {parsed.Host}, port {parsed.Port}, database {parsed.Database}";
    }
    catch (ArgumentException)
    {
        return "the connection string does not parse";
    }
}
