// The snapshot store; see issue 5.
