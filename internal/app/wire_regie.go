package app

// regieParts holds the regie capability's services (see its issue). Its wiring
// registers in this file's init with register(capability{…}).
type regieParts struct{}
