using Omni.Silo.Database;

namespace Omni.Tests.Foundation;

[Trait("Tier", "Cluster")]
public sealed class MigrationTests
{
    private const string SchemaFingerprint = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT table_name || '.' || column_name || ':' || data_type AS line
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL SELECT 'fn:' || routine_name FROM information_schema.routines WHERE routine_schema = 'public'
            UNION ALL SELECT 'query:' || querykey || ':' || md5(querytext) FROM orleansquery
            UNION ALL SELECT 'migration:' || id FROM omni_schema_migrations) AS schema
        """;

    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_a_second_run_changes_nothing()
    {
        await using var db = await TestDatabase.Create(migrate: false);

        var first = await DatabaseMigrator.ApplyAsync(db.DataSource);
        var schemaAfterFirst = await db.Scalar<string>(SchemaFingerprint);
        var second = await DatabaseMigrator.ApplyAsync(db.DataSource);
        var schemaAfterSecond = await db.Scalar<string>(SchemaFingerprint);

        Assert.Equal(DatabaseMigrator.All.Select(m => m.Id), first);
        Assert.Empty(second);
        Assert.Equal(schemaAfterFirst, schemaAfterSecond);
    }

    [Fact]
    public async Task Every_query_the_Orleans_providers_ask_for_is_installed()
    {
        await using var db = await TestDatabase.Create();
        string[] required =
        [
            // membership (10.x also asks for the defunct-silo clean-up)
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "GatewaysQueryKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
            // grain storage
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
            // reminders
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];

        var installed = (await db.Scalar<string>("SELECT string_agg(querykey, ',') FROM orleansquery")).Split(',');

        Assert.Empty(required.Except(installed));
    }

    [Fact]
    public async Task Silos_starting_together_apply_each_migration_once()
    {
        await using var db = await TestDatabase.Create(migrate: false);
        var sources = Enumerable.Range(0, 4).Select(_ => Npgsql.NpgsqlDataSource.Create(db.ConnectionString)).ToList();

        var results = await Task.WhenAll(sources.Select(s => DatabaseMigrator.ApplyAsync(s)));
        foreach (var s in sources)
        {
            await s.DisposeAsync();
        }

        Assert.Equal(DatabaseMigrator.All.Select(m => m.Id).Order(), results.SelectMany(r => r).Order());
        Assert.Equal(DatabaseMigrator.All.Count, (int)await db.Scalar<long>("SELECT count(*) FROM omni_schema_migrations"));
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_is_refused()
    {
        await using var db = await TestDatabase.Create();
        await using (var tamper = db.DataSource.CreateCommand("UPDATE omni_schema_migrations SET checksum = 'edited' WHERE id = $1"))
        {
            tamper.Parameters.Add(new Npgsql.NpgsqlParameter { Value = DatabaseMigrator.All[0].Id });
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseMigrator.ApplyAsync(db.DataSource));

        Assert.Contains("changed after it was applied", error.Message);
    }
}
