package app

// accParts holds the acc capability's services (see its issue). Its wiring
// registers in this file's init with register(capability{…}).
type accParts struct{}
