using GraphQL.DataLoader;

namespace Omni.Api.Schema;

/// <summary>
/// Collects the keys one request asks for while graphql-dotnet walks a level of the selection and
/// fetches them all at once. graphql-dotnet completes <see cref="IDataLoaderResult"/> values only
/// after every other field of the level has resolved, so the first <c>GetResultAsync</c> sees every
/// key of that level: a cart of 50 lines asks for its 50 products in one parallel fan-out. Nothing
/// is cached beyond a batch, so one instance may serve a long-lived subscription.
/// </summary>
public sealed class BatchLoader<TKey, TValue>(
    Func<IReadOnlyCollection<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
    where TValue : class
{
    private readonly Lock _lock = new();
    private Batch? _open;

    public IDataLoaderResult<TValue?> Load(TKey key)
    {
        lock (_lock)
        {
            _open ??= new Batch(this);
            _open.Keys.Add(key);
            return new Result(_open, key);
        }
    }

    private sealed class Batch(BatchLoader<TKey, TValue> loader)
    {
        private Task<IReadOnlyDictionary<TKey, TValue>>? _fetched;

        public HashSet<TKey> Keys { get; } = [];

        /// <summary>The first caller closes the batch (later keys start a new one) and fetches it.</summary>
        public Task<IReadOnlyDictionary<TKey, TValue>> Fetch(CancellationToken cancellationToken)
        {
            lock (loader._lock)
            {
                if (_fetched is not null)
                {
                    return _fetched;
                }
                if (loader._open == this)
                {
                    loader._open = null;
                }
                _fetched = loader.Run(Keys, cancellationToken);
                return _fetched;
            }
        }
    }

    private async Task<IReadOnlyDictionary<TKey, TValue>> Run(IReadOnlyCollection<TKey> keys, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the grain calls go out after the lock is released
        return await fetch(keys, cancellationToken);
    }

    private sealed class Result(Batch batch, TKey key) : IDataLoaderResult<TValue?>
    {
        public async Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default) =>
            (await batch.Fetch(cancellationToken)).GetValueOrDefault(key);

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            await GetResultAsync(cancellationToken);
    }
}
