using Omni.LoadTests.Runner;

namespace Omni.Tests.Load;

/// <summary>The open model's rate control: arrivals are due at fixed intervals, whatever happens to earlier ones.</summary>
[Trait("Tier", "Unit")]
public sealed class OpenScheduleTests
{
    private const long Frequency = 1_000_000; // ticks per second

    [Fact]
    public void Arrivals_are_due_at_fixed_intervals_from_the_start()
    {
        var schedule = new OpenSchedule(ratePerSecond: 200, startTimestamp: 5_000, timestampFrequency: Frequency);

        Assert.Equal(5_000, schedule.IntendedStart(0));
        Assert.Equal(10_000, schedule.IntendedStart(1));
        Assert.Equal(5_000 + Frequency, schedule.IntendedStart(200));
        Assert.Equal(5_000 + (10 * Frequency), schedule.IntendedStart(2_000));
    }

    [Fact]
    public void A_rate_that_does_not_divide_the_second_keeps_its_average_without_drift()
    {
        var schedule = new OpenSchedule(ratePerSecond: 3, startTimestamp: 0, timestampFrequency: Frequency);

        Assert.Equal(333_333, schedule.IntendedStart(1));
        Assert.Equal(666_667, schedule.IntendedStart(2));
        Assert.Equal(Frequency, schedule.IntendedStart(3));
        Assert.Equal(1_000 * Frequency, schedule.IntendedStart(3_000));
    }

    [Fact]
    public void Due_counts_every_arrival_whose_time_has_come()
    {
        var schedule = new OpenSchedule(ratePerSecond: 1_000, startTimestamp: 100, timestampFrequency: Frequency);

        Assert.Equal(0, schedule.DueBy(99));
        Assert.Equal(1, schedule.DueBy(100));
        Assert.Equal(1, schedule.DueBy(100 + 999));
        Assert.Equal(2, schedule.DueBy(100 + 1_000));
        Assert.Equal(1_001, schedule.DueBy(100 + Frequency));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    [InlineData(7.7)]
    [InlineData(999.9)]
    [InlineData(25_000)]
    public void Due_and_intended_start_agree_at_every_boundary(double rate)
    {
        var schedule = new OpenSchedule(rate, startTimestamp: 12_345, timestampFrequency: Frequency);

        for (long n = 0; n < 500; n++)
        {
            var at = schedule.IntendedStart(n);
            Assert.True(schedule.DueBy(at) >= n + 1, $"arrival {n} is due at {at}");
            Assert.True(schedule.DueBy(at - 1) <= n, $"arrival {n} is not due before {at}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_rate_must_be_a_positive_number(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenSchedule(rate, 0, Frequency));

    [Fact]
    public void The_open_model_needs_a_rate_and_the_closed_model_users()
    {
        Assert.Throws<ArgumentException>(() => Profile("--model", "open").Validate());
        Assert.Throws<ArgumentException>(() => Profile("--users", "0").Validate());
        Assert.Equal(LoadModel.Open, Profile("--model", "open", "--rate", "50").Model);
        Assert.Equal(64, Profile("--concurrency", "64").Users);
    }

    private static LoadProfile Profile(params string[] args) => LoadProfile.From(Omni.LoadTests.Options.Parse(args));
}
