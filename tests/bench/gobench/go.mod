module example.com/perfkit/gobench

go 1.19
