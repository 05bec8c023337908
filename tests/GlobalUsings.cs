global using Omni.Tests.Infrastructure;
global using Orleans.Runtime;
global using Xunit;
