package app

// commonsParts holds the commons capability's services (see its issue). Its wiring
// registers in this file's init with register(capability{…}).
type commonsParts struct{}
