namespace Omni.LoadTests.Runner;

/// <summary>
/// One simulated client (a shopper's device, a till, an app) with its own state. The runner calls
/// <see cref="Step"/> whenever the model says this user acts: in a loop (closed model) or when an
/// arrival draws it from the idle pool (open model). A user never runs two steps at once.
/// </summary>
public interface IVirtualUser
{
    Task Step(Step step);
}
