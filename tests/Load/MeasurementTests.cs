using HdrHistogram;
using Microsoft.Extensions.Time.Testing;
using Omni.LoadTests.Runner;

namespace Omni.Tests.Load;

/// <summary>Recording and merging: per-operation histograms, per-second buckets, errors by kind.</summary>
[Trait("Tier", "Unit")]
public sealed class MeasurementTests
{
    [Fact]
    public void Workers_histograms_merge_into_one_per_operation()
    {
        var a = new WorkerRecorder();
        var b = new WorkerRecorder();
        for (var i = 1; i <= 900; i++)
        {
            a.Latency("addCartLine", i * 10, second: 0);
        }
        for (var i = 1; i <= 100; i++)
        {
            b.Latency("addCartLine", 1_000_000, second: 1); // a slow tail on the other worker
        }
        b.Latency("cart", 500, second: 1);

        var merged = Measurements.Merge([a, b], TimeSpan.FromSeconds(2));

        var add = merged.Operations["addCartLine"];
        Assert.Equal(1_000, add.Count);
        Assert.InRange(add.Latency.GetValueAtPercentile(50), 4_990, 5_010);
        Assert.InRange(add.Latency.GetValueAtPercentile(95), 999_000, 1_001_000);
        Assert.Equal(500, merged.PerSecond(add.Count));
        Assert.Equal(1, merged.Operations["cart"].Count);
        Assert.Equal(1_001, merged.TotalCount);
    }

    [Fact]
    public void Per_second_buckets_of_different_workers_add_up()
    {
        var a = new WorkerRecorder();
        var b = new WorkerRecorder();
        a.Latency("reserve", 2_000, second: 0);
        a.Latency("reserve", 2_000, second: 3);
        b.Latency("reserve", 40_000, second: 3);
        b.Error("reserve", "timeout", second: 3);

        var seconds = Measurements.Merge([a, b], TimeSpan.FromSeconds(4)).Operations["reserve"].Seconds;

        Assert.Equal([0, 3], seconds.Keys);
        Assert.Equal(1, seconds[0].Latency.TotalCount);
        Assert.Equal(2, seconds[3].Latency.TotalCount);
        Assert.Equal(1, seconds[3].Errors);
        Assert.InRange(seconds[3].Latency.GetMaxValue(), 39_000, 41_000);
    }

    [Fact]
    public void Errors_are_counted_by_kind_and_refusals_by_code_across_workers()
    {
        var a = new WorkerRecorder();
        var b = new WorkerRecorder();
        a.Error("checkout", "http-503", 0);
        b.Error("checkout", "http-503", 0);
        b.Error("checkout", "timeout", 1);
        a.Refusal("checkout", "INSUFFICIENT_STOCK");
        a.Count("durable cart mutations", 5);
        b.Count("durable cart mutations", 7);

        var merged = Measurements.Merge([a, b], TimeSpan.FromSeconds(1));

        var checkout = merged.Operations["checkout"];
        Assert.Equal(2, checkout.Errors["http-503"]);
        Assert.Equal(1, checkout.Errors["timeout"]);
        Assert.Equal(1, checkout.Refusals["INSUFFICIENT_STOCK"]);
        Assert.Equal(0, checkout.Count);
        Assert.Equal(12, merged.Counter("durable cart mutations"));
        Assert.Equal(1.0, merged.ErrorRate);
    }

    [Fact]
    public void Latencies_beyond_the_range_are_kept_at_its_top_instead_of_failing_the_run()
    {
        var recorder = new WorkerRecorder();
        recorder.Latency("slow", WorkerRecorder.HighestMicros * 3, 0);
        recorder.Latency("slow", 0, 0);

        var slow = Measurements.Merge([recorder], TimeSpan.FromSeconds(1)).Operations["slow"];

        Assert.Equal(2, slow.Count);
        Assert.True(slow.Latency.GetMaxValue() >= WorkerRecorder.HighestMicros * 0.99);
    }

    [Fact]
    public void Measurements_matched_up_after_the_run_are_added_without_changing_the_original()
    {
        var during = new WorkerRecorder();
        during.Latency("addCartLine", 3_000, 0);
        var measured = Measurements.Merge([during], TimeSpan.FromSeconds(1), measureStart: 42);
        var after = new WorkerRecorder();
        after.Latency("myCartUpdated event", 800, 0);

        var combined = measured.With(after);

        Assert.Equal(2, combined.Operations.Count);
        Assert.Single(measured.Operations);
        Assert.Equal(42, combined.MeasureStart);
    }

    [Fact]
    public async Task In_the_open_model_the_first_call_of_a_step_counts_from_its_intended_start()
    {
        var time = new FakeTimeProvider();
        var recorder = new WorkerRecorder();
        var intended = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(50)); // the step started 50 ms late: a backlog
        var step = new Step(recorder, null, time, intended, measureStart: intended, measured: true, stop: null, CancellationToken.None);

        Task<string> Call(int ms)
        {
            time.Advance(TimeSpan.FromMilliseconds(ms));
            return Task.FromResult("ok");
        }

        await step.Measure("first", _ => Call(10));
        await step.Measure("second", _ => Call(10));

        var merged = Measurements.Merge([recorder], TimeSpan.FromSeconds(1)).Operations;
        Assert.InRange(merged["first"].Latency.GetMaxValue(), 59_900, 60_100);
        Assert.InRange(merged["second"].Latency.GetMaxValue(), 9_990, 10_010);
    }

    [Fact]
    public async Task A_failed_call_is_an_error_of_its_kind_and_the_warm_up_records_nothing()
    {
        var time = new FakeTimeProvider();
        var recorder = new WorkerRecorder();
        var start = time.GetTimestamp();
        var measured = new Step(recorder, null, time, start, start, measured: true, stop: null, CancellationToken.None);
        var warmUp = new Step(recorder, null, time, start, start, measured: false, stop: null, CancellationToken.None);

        var failed = await measured.Measure<string>("cart", _ => throw new HttpRequestException("down", null, System.Net.HttpStatusCode.ServiceUnavailable));
        var refused = await measured.Measure("cart", _ => Task.FromResult("refused"), r => r == "refused" ? "graphql:FORBIDDEN" : null);
        await warmUp.Measure("cart", _ => Task.FromResult("ok"));
        warmUp.Count("durable cart mutations");

        var cart = Measurements.Merge([recorder], TimeSpan.FromSeconds(1)).Operations["cart"];
        Assert.Null(failed);
        Assert.Null(refused);
        Assert.Equal(1, cart.Errors["http-503"]);
        Assert.Equal(1, cart.Errors["graphql:FORBIDDEN"]);
        Assert.Equal(0, cart.Count);
        Assert.Equal("graphql:FORBIDDEN", measured.LastError);
    }
}
