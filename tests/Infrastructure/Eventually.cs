namespace Omni.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes: synchronization without sleeps.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = default(T);
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception e)
            {
                lastError = e;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0}s (last value: {last}; last error: {lastError?.Message})", lastError);
    }

    public static Task True(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        Get(probe, ok => ok, timeout, what);
}
