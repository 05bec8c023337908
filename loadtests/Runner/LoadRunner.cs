using System.Globalization;
using HdrHistogram;
using System.Threading.Channels;

namespace Omni.LoadTests.Runner;

/// <summary>
/// Drives virtual users through a warm-up and a measurement, in the closed or the open model,
/// and returns what they measured, merged across workers. Prints a progress line every second.
/// </summary>
public sealed class LoadRunner(LoadProfile profile, TimeProvider time, TextWriter? progress)
{
    /// <summary>How long steps still running at the end may take before they are cancelled.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called when the warm-up ends and when the last measured step is done (e.g. to sample CPU counters).</summary>
    public Func<Task>? AtMeasureStart { get; init; }

    public Func<Task>? AtMeasureEnd { get; init; }

    public async Task<Measurements> Run(string phase, IReadOnlyList<IVirtualUser> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            throw new ArgumentException("a run needs at least one virtual user", nameof(users));
        }
        var shards = Math.Clamp(users.Count, 1, Math.Max(4, Environment.ProcessorCount * 2));
        var recorders = Enumerable.Range(0, shards).Select(_ => new WorkerRecorder()).ToArray();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = new RunState(time, profile, stopping, abort.Token);

        using var ticker = new CancellationTokenSource();
        var progressLoop = ReportProgress(phase, run, ticker.Token);
        var measureStarted = AtMeasureStart is { } atStart
            ? Task.Delay(profile.WarmUp, time, CancellationToken.None).ContinueWith(_ => atStart(), TaskScheduler.Default).Unwrap()
            : Task.CompletedTask;
        try
        {
            var work = profile.Model == LoadModel.Closed
                ? RunClosed(users, recorders, run)
                : RunOpen(users, recorders, run);
            // Once no new step may start, the ones in flight get DrainTimeout to finish.
            var stopped = Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            var noMoreStarts = Task.WhenAny(stopped, run.EndOfSchedule(stopping.Token));
            if (await Task.WhenAny(work, noMoreStarts) != work
                && await Task.WhenAny(work, Task.Delay(DrainTimeout, time, CancellationToken.None)) != work)
            {
                // No more arrivals either: an open run's backlog is counted below, not handed out.
                await stopping.CancelAsync();
                await abort.CancelAsync();
            }
            await work;
            await measureStarted;
            if (AtMeasureEnd is { } atEnd)
            {
                await atEnd();
            }
        }
        finally
        {
            await ticker.CancelAsync();
            await progressLoop;
        }
        // Interrupted (Ctrl+C) or not, what was measured is returned: the caller decides what it is worth.
        return Measurements.Merge(recorders, run.MeasuredElapsed(), run.MeasureStart);
    }

    private async Task RunClosed(IReadOnlyList<IVirtualUser> users, WorkerRecorder[] recorders, RunState run)
    {
        await Task.WhenAll(users.Select((user, index) => Task.Run(async () =>
        {
            var recorder = recorders[index % recorders.Length];
            while (!run.Stopping.IsCancellationRequested)
            {
                var now = time.GetTimestamp();
                if (!run.MayStart(now, out var measured))
                {
                    break;
                }
                await run.Execute(user, recorder, now, measured);
                if (profile.Think > TimeSpan.Zero)
                {
                    await Task.Delay(profile.Think, time, run.Stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        })));
    }

    private async Task RunOpen(IReadOnlyList<IVirtualUser> users, WorkerRecorder[] recorders, RunState run)
    {
        var schedule = new OpenSchedule(profile.Rate, run.Start, time.TimestampFrequency);
        run.Schedule = schedule;
        var idle = Channel.CreateUnbounded<int>();
        for (var i = 0; i < users.Count; i++)
        {
            idle.Writer.TryWrite(i);
        }
        var running = new List<Task>();
        try
        {
            for (long arrival = 0; !run.Stopping.IsCancellationRequested; arrival++)
            {
                var intended = schedule.IntendedStart(arrival);
                if (!run.MayStart(intended, out var measured))
                {
                    break;
                }
                var wait = time.GetElapsedTime(time.GetTimestamp(), intended);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, run.Stopping);
                }
                // No idle user: the arrival waits, and its latency (from the intended start) shows it.
                var index = await idle.Reader.ReadAsync(run.Stopping);
                run.Dispatched = arrival + 1;
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await run.Execute(users[index], recorders[index % recorders.Length], intended, measured);
                    }
                    finally
                    {
                        idle.Writer.TryWrite(index);
                    }
                }));
                if (running.Count > 4 * users.Count)
                {
                    running.RemoveAll(t => t.IsCompleted);
                }
            }
        }
        catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested)
        {
        }
        await Task.WhenAll(running);
    }

    private async Task ReportProgress(string phase, RunState run, CancellationToken cancellationToken)
    {
        if (progress is null)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var lastCompleted = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = time.GetTimestamp();
                var interval = run.Live.TakeInterval();
                var completed = run.Live.Completed;
                var sinceStart = time.GetElapsedTime(run.Start, now);
                var warming = now < run.MeasureStart;
                var state = warming
                    ? $"warm-up {sinceStart.TotalSeconds,4:0}s/{profile.WarmUp.TotalSeconds:0}s"
                    : profile.Count is { } count
                        ? $"measuring {run.MeasuredStarted,8:N0}/{count:N0}"
                        : $"measuring {time.GetElapsedTime(run.MeasureStart, now).TotalSeconds,4:0}s/{profile.Duration.TotalSeconds:0}s";
                var backlog = run.Schedule is { } schedule ? $"  behind {Math.Max(0, schedule.DueBy(now) - run.Dispatched),6:N0}" : "";
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"  [{phase}] {state}  {completed - lastCompleted,7:N0} calls/s  p50 {Ms(interval.GetValueAtPercentile(50)),7}  p99 {Ms(interval.GetValueAtPercentile(99)),7}  max {Ms(interval.GetMaxValue()),7}  errors {run.Live.Errors,5:N0}  in flight {run.Live.InFlight,5:N0}{backlog}");
                lastCompleted = completed;
                await progress.WriteLineAsync(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Ms(long micros) => micros == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{micros / 1000.0:0.0}ms");

    /// <summary>The clock and counters of one run, shared by its workers.</summary>
    private sealed class RunState(TimeProvider time, LoadProfile profile, CancellationTokenSource stopping, CancellationToken abort)
    {
        private long _measuredStarted;
        private long _lastMeasuredEnd;

        public long Start { get; } = time.GetTimestamp();
        public long MeasureStart => Start + Ticks(profile.WarmUp);
        public long MeasureEnd => profile.Count is null ? MeasureStart + Ticks(profile.Duration) : long.MaxValue;
        public CancellationToken Stopping => stopping.Token;
        public LiveStats Live { get; } = new();
        public OpenSchedule? Schedule { get; set; }
        public long Dispatched { get; set; }
        public long MeasuredStarted => Interlocked.Read(ref _measuredStarted);

        /// <summary>Whether a step intended at <paramref name="timestamp"/> may start, and whether it is measured.</summary>
        public bool MayStart(long timestamp, out bool measured)
        {
            measured = timestamp >= MeasureStart;
            if (timestamp >= MeasureEnd)
            {
                return false;
            }
            if (measured && profile.Count is { } count && Interlocked.Increment(ref _measuredStarted) > count)
            {
                stopping.Cancel();
                return false;
            }
            if (measured && profile.Count is null)
            {
                Interlocked.Increment(ref _measuredStarted);
            }
            return true;
        }

        /// <summary>Completes when the measured duration is over (never for a count).</summary>
        public Task EndOfSchedule(CancellationToken cancellationToken) =>
            profile.Count is null
                ? Task.Delay(time.GetElapsedTime(time.GetTimestamp(), MeasureEnd) is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken)
                    .ContinueWith(_ => { }, TaskScheduler.Default)
                : Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

        public async Task Execute(IVirtualUser user, WorkerRecorder recorder, long intended, bool measured)
        {
            var step = new Step(recorder, Live, time, intended, MeasureStart, measured, stopping.Cancel, abort);
            Live.Started();
            try
            {
                await user.Step(step);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                // Still unanswered when the drain time ran out: an error, so a backlog never
                // drops out of the figures as if it had not happened.
                step.Fail("step", ErrorKinds.Abandoned);
            }
            catch (Exception e)
            {
                // A scenario bug or an unexpected answer: counted, never fatal to the run.
                step.Fail("step", ErrorKinds.Of(e));
            }
            finally
            {
                Live.Finished();
            }
            if (measured)
            {
                var end = time.GetTimestamp();
                long seen;
                while ((seen = Interlocked.Read(ref _lastMeasuredEnd)) < end
                    && Interlocked.CompareExchange(ref _lastMeasuredEnd, end, seen) != seen)
                {
                }
            }
        }

        /// <summary>
        /// What rates are divided by: up to the last measured step's end, but no further than the
        /// measured duration, so a slow straggler finishing during the drain does not dilute them.
        /// </summary>
        public TimeSpan MeasuredElapsed()
        {
            var end = Math.Min(Interlocked.Read(ref _lastMeasuredEnd), MeasureEnd);
            return end > MeasureStart ? time.GetElapsedTime(MeasureStart, end) : TimeSpan.Zero;
        }

        private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
    }
}
