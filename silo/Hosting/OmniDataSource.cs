using Npgsql;
using Omni.ServiceDefaults;

namespace Omni.Silo.Hosting;

/// <summary>The silo's one connection pool to PostgreSQL, tuned for many short statements.</summary>
public static class OmniDataSource
{
    /// <summary>
    /// A data source for <paramref name="connectionString"/> that, unless the string says otherwise,
    /// keeps session state when a connection goes back to the pool (<c>No Reset On Close</c>) and
    /// prepares the statements it sees most (<c>Max Auto Prepare</c>). Npgsql's default reset is a
    /// <c>DISCARD ALL</c> before the next use, a transaction of its own that also throws away the
    /// server's plans for the storage and journal functions: measured under the cart load, it was
    /// one statement in every two the server ran. Omni keeps no session state (no temporary tables,
    /// no <c>SET</c>), so nothing leaks from one use of a connection to the next.
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!Mentions(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }
        if (!Mentions(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }
        builder.TraceOnlyWithinOperations();
        return builder.Build();
    }

    private static bool Mentions(string connectionString, params string[] keys) =>
        connectionString.Split(';').Select(part => part.Split('=', 2)[0].Trim())
            .Any(key => keys.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)));
}
