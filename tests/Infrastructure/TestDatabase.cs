using Npgsql;
using Omni.Silo.Database;
using Omni.Silo.Hosting;

namespace Omni.Tests.Infrastructure;

/// <summary>
/// A fresh PostgreSQL database for one fixture, made on the throw-away server that
/// <c>./omni test</c> starts (OMNI_TEST_POSTGRES), migrated unless asked not to, dropped after.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private TestDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 100 }.ConnectionString;
        DataSource = OmniDataSource.Create(ConnectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("OMNI_TEST_POSTGRES") is { Length: > 0 } admin
            ? admin
            : throw new InvalidOperationException(
                "OMNI_TEST_POSTGRES is not set. Run the tests with ./omni test, which starts a throw-away PostgreSQL and sets it.");

    public static async Task<TestDatabase> Create(bool migrate = true)
    {
        var admin = AdminConnectionString;
        var name = $"omni_test_{Guid.NewGuid():N}"[..22];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var database = new TestDatabase(admin, name);
        if (migrate)
        {
            await DatabaseMigrator.ApplyAsync(database.DataSource);
        }
        return database;
    }

    public async Task<T> Scalar<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
