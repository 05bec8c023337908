namespace Omni.Tests.Foundation;

/// <summary>A minimal persistent, remindable grain: the foundation tests exercise the providers with it.</summary>
[Alias("Omni.Tests.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task<int> Add(int amount);

    [Alias("Get")]
    Task<int> Get();

    /// <summary>The identity of the silo this activation lives on.</summary>
    [Alias("Where")]
    Task<string> Where();

    [Alias("StartTicking")]
    Task StartTicking(TimeSpan period);
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain, IRemindable
{
    public async Task<int> Add(int amount)
    {
        state.State.Value += amount;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> Get() => Task.FromResult(state.State.Value);

    public Task<string> Where() => Task.FromResult(RuntimeIdentity);

    public Task StartTicking(TimeSpan period) => this.RegisterOrUpdateReminder("tick", period, period);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}

[GenerateSerializer, Alias("Omni.Tests.CounterState")]
public sealed class CounterState
{
    [Id(0)] public int Value { get; set; }
    [Id(1)] public int Ticks { get; set; }
}
