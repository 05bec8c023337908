using Omni.LoadTests.Runner;

namespace Omni.Tests.Load;

/// <summary>The runner's models end where they should and record only what they measure (no timing is asserted).</summary>
[Trait("Tier", "Unit")]
public sealed class LoadRunnerTests
{
    [Fact]
    public async Task The_closed_model_measures_exactly_the_count_of_steps_asked_for()
    {
        var executed = 0;
        var users = Users(4, async step =>
        {
            Interlocked.Increment(ref executed);
            await step.Measure("tick", _ => Task.FromResult("ok"));
        });

        var measured = await Runner(LoadModel.Closed, users: 4, count: 40).Run("closed", users, CancellationToken.None);

        Assert.Equal(40, measured.Operations["tick"].Count);
        Assert.Equal(40, executed);
    }

    [Fact]
    public async Task The_open_model_dispatches_exactly_the_count_of_arrivals_asked_for()
    {
        var users = Users(8, step => step.Measure("tick", _ => Task.FromResult("ok")));

        var measured = await Runner(LoadModel.Open, users: 8, count: 30, rate: 1_000).Run("open", users, CancellationToken.None);

        Assert.Equal(30, measured.Operations["tick"].Count);
    }

    [Fact]
    public async Task The_open_model_waits_for_an_idle_user_rather_than_running_a_user_twice_at_once()
    {
        var busy = new int[2];
        var overlaps = 0;
        var users = Enumerable.Range(0, 2).Select(i => (IVirtualUser)new LambdaUser(async step =>
        {
            if (Interlocked.Increment(ref busy[i]) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            await step.Measure("slow", async _ =>
            {
                await Task.Delay(20);
                return "ok";
            });
            Interlocked.Decrement(ref busy[i]);
        })).ToList();

        var measured = await Runner(LoadModel.Open, users: 2, count: 12, rate: 2_000).Run("open", users, CancellationToken.None);

        Assert.Equal(12, measured.Operations["slow"].Count);
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public async Task Steps_in_the_warm_up_run_but_are_not_recorded()
    {
        var executed = 0;
        var users = Users(2, async step =>
        {
            Interlocked.Increment(ref executed);
            step.Count("done");
            await step.Measure("tick", async _ =>
            {
                await Task.Delay(5);
                return "ok";
            });
        });
        // Warm-up is timed: long enough that even a machine busy with other builds runs some steps in it.
        var profile = new LoadProfile(LoadModel.Closed, 2, 0, TimeSpan.Zero, 10, TimeSpan.FromSeconds(2), 1, TimeSpan.Zero);

        var measured = await new LoadRunner(profile, TimeProvider.System, null).Run("warm", users, CancellationToken.None);

        Assert.Equal(10, measured.Operations["tick"].Count);
        Assert.Equal(10, measured.Counter("done"));
        Assert.True(executed > 10, $"{executed} steps ran, the warm-up's among them");
    }

    [Fact]
    public async Task A_scenario_can_end_the_run_early_and_a_failing_step_is_an_error_not_a_crash()
    {
        var steps = 0;
        var users = Users(3, step =>
        {
            var n = Interlocked.Increment(ref steps);
            if (n >= 20)
            {
                step.StopRun();
            }
            if (n % 5 == 0)
            {
                throw new InvalidOperationException("a scenario bug");
            }
            return step.Measure("tick", _ => Task.FromResult("ok"));
        });
        var profile = new LoadProfile(LoadModel.Closed, 3, 0, TimeSpan.FromMinutes(10), null, TimeSpan.Zero, 1, TimeSpan.Zero);

        var measured = await new LoadRunner(profile, TimeProvider.System, null).Run("stop", users, CancellationToken.None);

        Assert.InRange(steps, 20, 22);
        Assert.True(measured.Operations["step"].Errors["InvalidOperationException"] >= 4);
    }

    [Fact]
    public async Task Steps_still_unanswered_when_the_drain_time_runs_out_are_errors_and_no_backlog_is_dispatched()
    {
        var started = 0;
        var users = Users(2, step =>
        {
            Interlocked.Increment(ref started);
            return step.Measure("hang", async ct =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return "never";
            });
        });
        // 1,000 arrivals a second for 0.2 s on 2 users that never answer: 2 run, the rest queue.
        var profile = new LoadProfile(LoadModel.Open, 2, 1_000, TimeSpan.FromMilliseconds(200), null, TimeSpan.Zero, 1, TimeSpan.Zero);
        var runner = new LoadRunner(profile, TimeProvider.System, null) { DrainTimeout = TimeSpan.FromMilliseconds(100) };

        var measured = await runner.Run("drain", users, CancellationToken.None);

        Assert.Equal(2, started);
        Assert.Equal(2, measured.Operations["step"].Errors[ErrorKinds.Abandoned]);
    }

    private static LoadRunner Runner(LoadModel model, int users, long count, double rate = 0) =>
        new(new LoadProfile(model, users, rate, TimeSpan.Zero, count, TimeSpan.Zero, 1, TimeSpan.Zero), TimeProvider.System, null);

    private static List<IVirtualUser> Users(int count, Func<Step, Task> body) =>
        [.. Enumerable.Range(0, count).Select(_ => (IVirtualUser)new LambdaUser(body))];

    private sealed class LambdaUser(Func<Step, Task> body) : IVirtualUser
    {
        public Task Step(Step step) => body(step);
    }
}
