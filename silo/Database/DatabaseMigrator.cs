using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Omni.Silo.Database;

/// <summary>
/// Applies the SQL scripts embedded from <c>Database/Migrations</c> in name order, each once,
/// recording them in <c>omni_schema_migrations</c>. Several silos may start at once: an
/// advisory lock lets one of them migrate while the others wait, then find nothing to do.
/// </summary>
public static class DatabaseMigrator
{
    private const string ResourcePrefix = "Omni.Migrations.";
    private const long AdvisoryLockKey = 0x4F6D6E69_4D696772; // "OmniMigr"

    public sealed record Migration(string Id, string Sql)
    {
        public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
    }

    public static IReadOnlyList<Migration> All { get; } = LoadEmbedded();

    /// <summary>Applies what is missing and returns the ids applied by this call.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS omni_schema_migrations (
                    id          text        PRIMARY KEY,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var applied = new Dictionary<string, string>();
            await using (var read = new NpgsqlCommand("SELECT id, checksum FROM omni_schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied[reader.GetString(0)] = reader.GetString(1);
                }
            }

            var done = new List<string>();
            foreach (var migration in All)
            {
                if (applied.TryGetValue(migration.Id, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Id} was changed after it was applied. Applied scripts are never edited: add a new one.");
                    }
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await script.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = new NpgsqlCommand("INSERT INTO omni_schema_migrations (id, checksum) VALUES (@id, @checksum)", connection, transaction))
                {
                    record.Parameters.AddWithValue("id", migration.Id);
                    record.Parameters.AddWithValue("checksum", migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                done.Add(migration.Id);
            }
            return done;
        }
        finally
        {
            await Execute(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new Migration(Path.GetFileNameWithoutExtension(n[ResourcePrefix.Length..]), Read(assembly, n)))
            .ToList();
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing resource {name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
