// fixgate-journal-gen: placeholder, see below.
int main() { return 2; }
