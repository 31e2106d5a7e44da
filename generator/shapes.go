package generator

// The JSON shapes of the published API. Field order is the reference
// implementation's; "omitempty" marks the fields it omits when unknown.

// RoomRef names a room inside a schedule.
type RoomRef struct {
	Name string `json:"name"`
}

// CourseRef names a course inside a schedule.
type CourseRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CourseItem is one element of GET /api/courses.
type CourseItem struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Credits      *float64 `json:"credits"`
	SemesterType string   `json:"semesterType"`
}

// TeacherOut is a teacher of a course.
type TeacherOut struct {
	Name      string `json:"name"`
	PeopleURL string `json:"people_url,omitempty"`
}

// CourseSchedule is one dated session of a course, with its rooms.
type CourseSchedule struct {
	Start string    `json:"start_datetime"`
	End   string    `json:"end_datetime"`
	Label string    `json:"label"`
	Rooms []RoomRef `json:"rooms"`
}

// Unit is the teaching unit of a study plan.
type Unit struct {
	Name    string `json:"name"`
	Section string `json:"section,omitempty"`
	Code    string `json:"code"`
	Promo   string `json:"promo,omitempty"`
}

// SemesterRef is a study plan's semester in lists.
type SemesterRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// StudyPlanItem is one element of GET /api/studyplans and of a course's
// studyplans.
type StudyPlanItem struct {
	ID       string      `json:"_id"`
	Unit     Unit        `json:"unit"`
	Semester SemesterRef `json:"semester"`
}

// CourseDetail is GET /api/courses/<code>.
type CourseDetail struct {
	Code       string           `json:"code"`
	Name       string           `json:"name"`
	Credits    *float64         `json:"credits"`
	EduURL     string           `json:"edu_url,omitempty"`
	Language   string           `json:"language,omitempty"`
	Teachers   []TeacherOut     `json:"teachers"`
	Schedules  []CourseSchedule `json:"schedules"`
	StudyPlans []StudyPlanItem  `json:"studyplans"`
}

// SemesterDetail is a study plan's semester on its detail page. StartDate
// and EndDate are additions to the reference shape.
type SemesterDetail struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	SkipDates []string `json:"skip_dates"`
	StartDate string   `json:"start_date"`
	EndDate   string   `json:"end_date"`
}

// PlanSchedule is one dated session of a study plan's course.
type PlanSchedule struct {
	Course CourseRef `json:"course"`
	Start  string    `json:"start_datetime"`
	End    string    `json:"end_datetime"`
	Label  string    `json:"label"`
	Rooms  []RoomRef `json:"rooms"`
}

// PlanCourse is one course of a study plan.
type PlanCourse struct {
	Code     string       `json:"code"`
	Name     string       `json:"name"`
	Credits  *float64     `json:"credits"`
	EduURL   string       `json:"edu_url,omitempty"`
	Language string       `json:"language,omitempty"`
	Teachers []TeacherOut `json:"teachers"`
}

// StudyPlanDetail is GET /api/studyplans/<id>.
type StudyPlanDetail struct {
	ID        string         `json:"_id"`
	Unit      Unit           `json:"unit"`
	Semester  SemesterDetail `json:"semester"`
	Schedules []PlanSchedule `json:"schedules"`
	Courses   []PlanCourse   `json:"courses"`
}

// RoomItem is one element of GET /api/rooms. Building, capacity, level and
// link are additions to the reference list shape.
type RoomItem struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Link        *string     `json:"link"`
	Coordinates *[2]float64 `json:"coordinates"`
	Building    string      `json:"building"`
	Capacity    *int        `json:"capacity"`
	Level       *int        `json:"level,omitempty"`
}

// RoomSchedule is one use of a room: a course session (Course set) or an
// event (Name set).
type RoomSchedule struct {
	Course      *CourseRef `json:"course,omitempty"`
	Name        string     `json:"name,omitempty"`
	Start       string     `json:"start_datetime"`
	End         string     `json:"end_datetime"`
	Label       string     `json:"label"`
	Description string     `json:"description,omitempty"`
}

// RoomDetail is GET /api/rooms/<name>.
type RoomDetail struct {
	RoomItem
	Schedules []RoomSchedule `json:"schedules"`
}
